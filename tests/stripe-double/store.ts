// The Stripe API double's objects and what changes them. Objects are shaped as Stripe API version
// 2026-11-18.endive returns them (the version stripe-node 23.2.0 pins; see README.md): a
// subscription's current_period_start/_end are on its items, an invoice names its subscription under
// parent.subscription_details. Each change that Stripe reports with an event appends one: an event
// holds a snapshot of the object (data.object) and, for *.updated, data.previous_attributes.
import { randomBytes } from "node:crypto";
import { invalidRequest, noSuch, StripeDoubleError } from "./http.ts";

export const API_VERSION = "2026-11-18.endive";

export interface PriceConfig {
  id: string;
  /** Minor units (cents). */
  unitAmount: number;
  currency?: string;
  interval: "month" | "year";
  productName?: string;
  active?: boolean;
}

type Json = Record<string, unknown>;

export interface StripeEventRecord {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: Json; previous_attributes?: Json };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  return `${prefix}_${[...bytes].map((b) => alnum[b % alnum.length]).join("")}`;
}

const clone = <T>(value: T): T => structuredClone(value);

/** `end` of a period starting at `start` (seconds), one interval later, as Stripe's calendar does. */
export function periodEnd(start: number, interval: "month" | "year"): number {
  const d = new Date(start * 1000);
  if (interval === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCFullYear(d.getUTCFullYear() + 1);
  return Math.floor(d.getTime() / 1000);
}

/** The legacy `plan` an item still carries beside its `price` (SubscriptionItem.plan in the pinned types), made from the price. */
export function planOf(price: Json): Json {
  const recurring = price.recurring as { interval: string; interval_count: number; meter: string | null; usage_type: string };
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: {},
    meter: recurring.meter,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: recurring.usage_type,
  };
}

export class StripeStore {
  readonly prices = new Map<string, Json>();
  readonly customers = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  readonly portalSessions = new Map<string, Json>();
  readonly events: StripeEventRecord[] = [];

  constructor(private readonly nowMs: () => number) {}

  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  addPrice(config: PriceConfig): Json {
    const price: Json = {
      id: config.id,
      object: "price",
      active: config.active ?? true,
      billing_scheme: "per_unit",
      created: this.now(),
      currency: config.currency ?? "eur",
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: config.productName ?? null,
      product: `prod_${config.id.replace(/^price_/, "").slice(0, 24)}`,
      recurring: { interval: config.interval, interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" },
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: "recurring",
      unit_amount: config.unitAmount,
      unit_amount_decimal: String(config.unitAmount),
    };
    this.prices.set(config.id, price);
    return price;
  }

  get(kind: "price" | "customer" | "checkout.session" | "subscription" | "invoice", id: string): Json {
    const map = { price: this.prices, customer: this.customers, "checkout.session": this.checkoutSessions, subscription: this.subscriptions, invoice: this.invoices }[kind];
    const found = map.get(id);
    if (!found) throw noSuch(kind, id);
    return found;
  }

  emit(type: string, object: Json, previous?: Json): StripeEventRecord {
    const event: StripeEventRecord = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      data: { object: clone(object), ...(previous ? { previous_attributes: clone(previous) } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    return event;
  }

  createCustomer(email: string | null): Json {
    const customer: Json = {
      id: newId("cus", 14),
      object: "customer",
      address: null,
      balance: 0,
      created: this.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email,
      invoice_prefix: randomBytes(4).toString("hex").toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: null,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    };
    this.customers.set(customer.id as string, customer);
    this.emit("customer.created", customer);
    return customer;
  }

  /** Checkout's "Pay": the customer, the subscription (trialing with a trial_end) and its first invoice, paid. */
  completeCheckout(sessionId: string, email: string | null): Json {
    const session = this.get("checkout.session", sessionId);
    if (session.status !== "open") throw invalidRequest(`This Checkout Session is no longer active (status ${String(session.status)}).`);
    const customer = session.customer ? this.get("customer", session.customer as string) : this.createCustomer(email ?? (session.customer_email as string | null));
    const pending = session._pending as { priceId: string; quantity: number; trialEnd: number | null; metadata: Record<string, string> };
    const price = this.get("price", pending.priceId);
    const interval = (price.recurring as { interval: "month" | "year" }).interval;
    const now = this.now();
    const trialing = pending.trialEnd !== null;
    const subscriptionId = newId("sub");
    const periodStart = now;
    const periodEndAt = trialing ? pending.trialEnd! : periodEnd(now, interval);
    const subscription: Json = {
      id: subscriptionId,
      object: "subscription",
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: periodEndAt,
      billing_cycle_anchor_config: null,
      billing_mode: { flexible: null, type: "classic" },
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: "charge_automatically",
      created: now,
      currency: price.currency,
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: newId("pm"),
      default_source: null,
      description: null,
      discounts: [],
      ended_at: null,
      invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
      items: {
        object: "list",
        data: [
          {
            id: newId("si", 14),
            object: "subscription_item",
            created: now,
            current_period_end: periodEndAt,
            current_period_start: periodStart,
            discounts: [],
            metadata: {},
            plan: planOf(price),
            price: clone(price),
            quantity: pending.quantity,
            subscription: subscriptionId,
            tax_rates: [],
          },
        ],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
      },
      latest_invoice: null,
      livemode: false,
      metadata: pending.metadata,
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: trialing ? "trialing" : "active",
      test_clock: null,
      transfer_data: null,
      trial_end: trialing ? pending.trialEnd : null,
      trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
      trial_start: trialing ? now : null,
    };
    this.subscriptions.set(subscriptionId, subscription);
    const invoice = this.createInvoice(subscription, "subscription_create", trialing ? 0 : (price.unit_amount as number) * pending.quantity);
    this.markPaid(invoice);
    subscription.latest_invoice = invoice.id;
    Object.assign(session, {
      status: "complete",
      payment_status: trialing ? "no_payment_required" : "paid",
      customer: customer.id,
      customer_details: { address: null, email: customer.email, name: null, phone: null, tax_exempt: "none", tax_ids: [] },
      subscription: subscriptionId,
      invoice: invoice.id,
      url: null,
    });
    this.emit("checkout.session.completed", this.publicSession(session));
    this.emit("customer.subscription.created", subscription);
    this.emit("invoice.paid", invoice);
    return session;
  }

  createInvoice(subscription: Json, reason: "subscription_create" | "subscription_cycle", amount: number): Json {
    const item = this.itemOf(subscription);
    const now = this.now();
    const invoice: Json = {
      id: newId("in"),
      object: "invoice",
      amount_due: amount,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: amount,
      attempt_count: 0,
      attempted: false,
      billing_reason: reason,
      collection_method: "charge_automatically",
      created: now,
      currency: subscription.currency,
      customer: subscription.customer,
      customer_email: (this.customers.get(subscription.customer as string)?.email as string | null) ?? null,
      hosted_invoice_url: null,
      lines: {
        object: "list",
        data: [
          {
            id: newId("il"),
            object: "line_item",
            amount,
            currency: subscription.currency,
            description: `1 × ${String((item.price as Json).nickname ?? (item.price as Json).id)}`,
            period: { start: item.current_period_start, end: item.current_period_end },
            pricing: { price_details: { price: (item.price as Json).id, product: (item.price as Json).product }, type: "price_details", unit_amount_decimal: String(amount) },
            quantity: item.quantity,
          },
        ],
        has_more: false,
        url: "/v1/invoices/lines",
      },
      livemode: false,
      metadata: {},
      next_payment_attempt: null,
      number: null,
      parent: {
        quote_details: null,
        subscription_details: { metadata: clone(subscription.metadata), subscription: subscription.id },
        type: "subscription_details",
      },
      period_end: item.current_period_start,
      period_start: item.current_period_start,
      status: "open",
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: amount,
      total: amount,
    };
    this.invoices.set(invoice.id as string, invoice);
    return invoice;
  }

  markPaid(invoice: Json): void {
    Object.assign(invoice, {
      status: "paid",
      amount_paid: invoice.amount_due,
      amount_remaining: 0,
      attempted: true,
      attempt_count: (invoice.attempt_count as number) + 1,
      next_payment_attempt: null,
      status_transitions: { ...(invoice.status_transitions as Json), paid_at: this.now() },
    });
  }

  itemOf(subscription: Json): Json {
    return (subscription.items as { data: Json[] }).data[0]!;
  }

  /** The renewal's payment fails: a cycle invoice, open, attempted once; the subscription past_due. */
  failPayment(subscriptionId: string): { invoice: Json; subscription: Json } {
    const subscription = this.get("subscription", subscriptionId);
    this.refuseEnded(subscription);
    const invoice = this.openInvoiceOf(subscription) ?? this.nextCycle(subscription);
    Object.assign(invoice, { attempted: true, attempt_count: (invoice.attempt_count as number) + 1, next_payment_attempt: this.now() + 3 * 86_400 });
    const previous = { status: subscription.status };
    subscription.status = "past_due";
    subscription.latest_invoice = invoice.id;
    this.emit("invoice.payment_failed", invoice);
    this.emit("customer.subscription.updated", subscription, previous);
    return { invoice, subscription };
  }

  /** A payment succeeds: the open invoice (or the next cycle's) paid; the subscription active. */
  pay(subscriptionId: string): { invoice: Json; subscription: Json } {
    const subscription = this.get("subscription", subscriptionId);
    this.refuseEnded(subscription);
    const invoice = this.openInvoiceOf(subscription) ?? this.nextCycle(subscription);
    this.markPaid(invoice);
    const previous = { status: subscription.status };
    subscription.status = "active";
    subscription.latest_invoice = invoice.id;
    this.emit("invoice.paid", invoice);
    if (previous.status !== "active") this.emit("customer.subscription.updated", subscription, previous);
    return { invoice, subscription };
  }

  /** At period end (the Customer Portal's default) or at once (customer.subscription.deleted). */
  cancel(subscriptionId: string, atPeriodEnd: boolean): Json {
    const subscription = this.get("subscription", subscriptionId);
    this.refuseEnded(subscription);
    if (atPeriodEnd) {
      const previous = { cancel_at: subscription.cancel_at, cancel_at_period_end: subscription.cancel_at_period_end, canceled_at: subscription.canceled_at };
      Object.assign(subscription, {
        cancel_at: this.itemOf(subscription).current_period_end,
        cancel_at_period_end: true,
        canceled_at: this.now(),
        cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
      });
      this.emit("customer.subscription.updated", subscription, previous);
    } else {
      Object.assign(subscription, {
        status: "canceled",
        canceled_at: this.now(),
        ended_at: this.now(),
        cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
      });
      this.emit("customer.subscription.deleted", subscription);
    }
    return subscription;
  }

  /** The portal's "Renew": a cancellation at period end withdrawn. */
  renew(subscriptionId: string): Json {
    const subscription = this.get("subscription", subscriptionId);
    this.refuseEnded(subscription);
    const previous = { cancel_at: subscription.cancel_at, cancel_at_period_end: subscription.cancel_at_period_end, canceled_at: subscription.canceled_at };
    Object.assign(subscription, { cancel_at: null, cancel_at_period_end: false, canceled_at: null, cancellation_details: { comment: null, feedback: null, reason: null } });
    this.emit("customer.subscription.updated", subscription, previous);
    return subscription;
  }

  /**
   * POST /v1/subscriptions/:id once its parameters are checked (api.ts): the item's price replaced
   * (its quantity 1 unless given, as Stripe does), metadata merged (an empty value removes a key;
   * `metadata: ""` removes them all), then customer.subscription.updated with previous_attributes
   * (the items list as it was, the metadata as it was) when anything changed. No proration lines.
   */
  updateSubscription(subscriptionId: string, update: { item?: { id: string; priceId: string; quantity?: number }; metadata?: Record<string, string> | "" }): Json {
    const subscription = this.get("subscription", subscriptionId);
    const previous: Json = {};
    if (update.item) {
      const item = (subscription.items as { data: Json[] }).data.find((i) => i.id === update.item!.id)!;
      const price = this.get("price", update.item.priceId);
      const quantity = update.item.quantity ?? 1;
      if ((item.price as Json).id !== price.id || item.quantity !== quantity) {
        previous.items = clone(subscription.items);
        Object.assign(item, { price: clone(price), plan: planOf(price), quantity });
      }
    }
    if (update.metadata !== undefined) {
      const before = subscription.metadata as Record<string, string>;
      const after: Record<string, string> = update.metadata === "" ? {} : { ...before };
      if (update.metadata !== "") {
        for (const [key, value] of Object.entries(update.metadata)) {
          if (value === "") delete after[key];
          else after[key] = value;
        }
      }
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        previous.metadata = clone(before);
        subscription.metadata = after;
      }
    }
    if (Object.keys(previous).length > 0) this.emit("customer.subscription.updated", subscription, previous);
    return subscription;
  }

  publicSession(session: Json): Json {
    const { _pending: _omit, ...rest } = session;
    return rest;
  }

  refuseEnded(subscription: Json): void {
    if (subscription.status === "canceled") {
      throw new StripeDoubleError(400, { type: "invalid_request_error", message: "A canceled subscription can only update its cancellation_details and metadata." });
    }
  }

  private openInvoiceOf(subscription: Json): Json | undefined {
    const latest = subscription.latest_invoice ? this.invoices.get(subscription.latest_invoice as string) : undefined;
    return latest?.status === "open" ? latest : undefined;
  }

  /** The next period starts (the renewal): the item's period moves on and a cycle invoice opens. */
  private nextCycle(subscription: Json): Json {
    const item = this.itemOf(subscription);
    const price = item.price as Json;
    const start = item.current_period_end as number;
    Object.assign(item, { current_period_start: start, current_period_end: periodEnd(start, (price.recurring as { interval: "month" | "year" }).interval) });
    subscription.billing_cycle_anchor = item.current_period_end;
    return this.createInvoice(subscription, "subscription_cycle", (price.unit_amount as number) * (item.quantity as number));
  }
}
