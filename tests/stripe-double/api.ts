// The double's /v1 endpoints, as Stripe API 2026-11-18.endive answers them for the subset
// Tenantry calls: Checkout Sessions (create, retrieve), Customer Portal sessions (create),
// subscriptions (retrieve, update an item's price and the metadata, cancel), prices, customers and
// invoices (retrieve), balance (the cheapest call that proves a key). Parameters are checked where Stripe refuses them (see README.md for the list).
import type { Form } from "./http.ts";
import { invalidRequest, list, missingParam, noSuch, obj, StripeDoubleError, metadataOf, str } from "./http.ts";
import { newId, type StripeStore } from "./store.ts";

type Json = Record<string, unknown>;

export interface ApiContext {
  store: StripeStore;
  /** The double's own address, for the hosted pages' URLs. */
  baseUrl: string;
}

export function createCheckoutSession(ctx: ApiContext, form: Form): Json {
  const { store } = ctx;
  const mode = str(form, "mode");
  if (!mode) throw missingParam("mode");
  if (mode !== "subscription") throw invalidRequest("The Stripe API double only implements Checkout in subscription mode.", "mode");
  const items = list(form, "line_items");
  if (!items || items.length === 0) throw missingParam("line_items");
  if (items.length !== 1) throw invalidRequest("The Stripe API double implements one line item per session.", "line_items");
  const item = items[0] as Form;
  const priceId = str(item, "price");
  if (!priceId) throw invalidRequest("You must specify either `price` or `price_data` in `line_items[0]`.", "line_items[0]");
  const price = store.prices.get(priceId);
  if (!price) throw new StripeDoubleError(400, { ...noSuch("price", priceId, "line_items[0][price]").body });
  if (price.active !== true) throw invalidRequest("The price specified is inactive. This field only accepts active prices.", "line_items[0][price]");
  const quantityText = str(item, "quantity");
  if (quantityText === undefined) throw invalidRequest("Quantity is required. Add `quantity` to `line_items[0]`", "line_items[0][quantity]");
  const quantity = Number(quantityText);
  if (!Number.isInteger(quantity) || quantity < 1) throw invalidRequest("Invalid integer: " + quantityText, "line_items[0][quantity]");

  const customer = str(form, "customer");
  const customerEmail = str(form, "customer_email");
  if (customer && customerEmail) throw invalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer_email");
  if (customer && !store.customers.has(customer)) throw new StripeDoubleError(400, { ...noSuch("customer", customer, "customer").body });

  const subscriptionData = obj(form, "subscription_data");
  const trialEndText = str(subscriptionData, "trial_end");
  let trialEnd: number | null = null;
  if (trialEndText !== undefined) {
    trialEnd = Number(trialEndText);
    if (!Number.isInteger(trialEnd)) throw invalidRequest(`Invalid integer: ${trialEndText}`, "subscription_data[trial_end]");
    if (trialEnd < store.now() + 48 * 3600) {
      throw invalidRequest("The `trial_end` date has to be at least 2 days in the future.", "subscription_data[trial_end]");
    }
  }
  const successUrl = str(form, "success_url") ?? null;
  const cancelUrl = str(form, "cancel_url") ?? null;
  for (const [param, value] of [["success_url", successUrl], ["cancel_url", cancelUrl]] as const) {
    if (value !== null && !/^https?:\/\//.test(value)) throw invalidRequest("Not a valid URL", param, "url_invalid");
  }

  const id = newId("cs_test", 58);
  const amount = (price.unit_amount as number) * quantity;
  const session: Json = {
    id,
    object: "checkout.session",
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: trialEnd ? 0 : amount,
    amount_total: trialEnd ? 0 : amount,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: cancelUrl,
    client_reference_id: str(form, "client_reference_id") ?? null,
    client_secret: null,
    created: store.now(),
    currency: price.currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: customer ?? null,
    customer_account: null,
    customer_creation: customer ? null : "always",
    customer_details: customerEmail ? { address: null, email: customerEmail, name: null, phone: null, tax_exempt: "none", tax_ids: null } : null,
    customer_email: customerEmail ?? null,
    discounts: [],
    expires_at: store.now() + 24 * 3600,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: str(form, "locale") ?? null,
    metadata: metadataOf(obj(form, "metadata")),
    mode,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_types: ["card"],
    payment_status: "unpaid",
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: `${ctx.baseUrl}/c/pay/${id}`,
    // Kept for completion, never shown (publicSession drops it).
    _pending: { priceId, quantity, trialEnd, metadata: metadataOf(obj(subscriptionData, "metadata")) },
  };
  store.checkoutSessions.set(id, session);
  return store.publicSession(session);
}

export function createPortalSession(ctx: ApiContext, form: Form): Json {
  const customer = str(form, "customer");
  if (!customer) throw missingParam("customer");
  if (!ctx.store.customers.has(customer)) throw new StripeDoubleError(400, { ...noSuch("customer", customer, "customer").body });
  const returnUrl = str(form, "return_url") ?? null;
  if (returnUrl !== null && !/^https?:\/\//.test(returnUrl)) throw invalidRequest("Not a valid URL", "return_url", "url_invalid");
  const id = newId("bps", 24);
  const session: Json = {
    id,
    object: "billing_portal.session",
    configuration: "bpc_double_default",
    created: ctx.store.now(),
    customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: str(form, "locale") ?? null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${ctx.baseUrl}/p/session/${id}`,
  };
  ctx.store.portalSessions.set(id, session);
  return session;
}

const PRORATION_BEHAVIORS = ["always_invoice", "create_prorations", "none"];
/** What the double's subscription update takes; anything else is refused by name (not silently ignored). */
const UPDATE_PARAMS = new Set(["items", "metadata", "proration_behavior", "expand"]);

/**
 * POST /v1/subscriptions/:id: an existing item's price (and quantity) and the metadata, as Stripe
 * checks them: a canceled subscription takes only cancellation_details and metadata; an unknown
 * item or price is 400 resource_missing naming the parameter; an inactive price is refused; an
 * unknown proration_behavior is refused. The change itself (and its event) is the store's.
 */
export function updateSubscription(ctx: ApiContext, subscriptionId: string, form: Form): () => Json {
  const { store } = ctx;
  const subscription = store.get("subscription", subscriptionId);
  if (subscription.status === "canceled" && Object.keys(form).some((key) => key !== "metadata" && key !== "cancellation_details" && key !== "expand")) store.refuseEnded(subscription);
  for (const key of Object.keys(form)) {
    if (!UPDATE_PARAMS.has(key)) throw invalidRequest(`The Stripe API double does not implement \`${key}\` on a subscription update.`, key);
  }
  const proration = form.proration_behavior;
  if (proration !== undefined && (typeof proration !== "string" || !PRORATION_BEHAVIORS.includes(proration))) {
    throw invalidRequest(`Invalid proration_behavior: must be one of always_invoice, create_prorations, or none`, "proration_behavior");
  }
  let item: { id: string; priceId: string; quantity?: number } | undefined;
  if (form.items !== undefined) {
    const items = list(form, "items");
    if (!items) throw invalidRequest("Invalid array", "items");
    if (items.length !== 1) throw invalidRequest("The Stripe API double implements one item per subscription: give `items[0]` only.", "items");
    const given = items[0] as Form;
    const id = str(given, "id");
    if (!id) throw invalidRequest("The Stripe API double does not add items to a subscription: give `items[0][id]`, the item to change.", "items[0][id]");
    const existing = (subscription.items as { data: Json[] }).data.find((i) => i.id === id);
    if (!existing) throw new StripeDoubleError(400, { ...noSuch("subscription_item", id, "items[0][id]").body });
    const priceId = str(given, "price");
    if (!priceId) throw invalidRequest("The Stripe API double implements changing an item's `price` (give `items[0][price]`).", "items[0][price]");
    const price = store.prices.get(priceId);
    if (!price) throw new StripeDoubleError(400, { ...noSuch("price", priceId, "items[0][price]").body });
    if (price.active !== true) throw invalidRequest("The price specified is inactive. This field only accepts active prices.", "items[0][price]");
    const interval = (price.recurring as { interval: string }).interval;
    if (interval !== ((existing.price as Json).recurring as { interval: string }).interval) {
      throw invalidRequest("The Stripe API double does not implement a change of billing interval (Stripe would reset the billing cycle and invoice at once).", "items[0][price]");
    }
    const quantityText = str(given, "quantity");
    let quantity: number | undefined;
    if (quantityText !== undefined) {
      quantity = Number(quantityText);
      if (!Number.isInteger(quantity) || quantity < 1) throw invalidRequest(`Invalid integer: ${quantityText}`, "items[0][quantity]");
    }
    item = { id, priceId, ...(quantity !== undefined ? { quantity } : {}) };
  }
  const metadataGiven = form.metadata;
  const metadata = metadataGiven === "" ? ("" as const) : metadataGiven === undefined ? undefined : metadataOf(obj(form, "metadata"));
  return () => store.updateSubscription(subscriptionId, { ...(item ? { item } : {}), ...(metadata !== undefined ? { metadata } : {}) });
}

export function balance(): Json {
  return {
    object: "balance",
    available: [{ amount: 0, currency: "eur", source_types: { card: 0 } }],
    livemode: false,
    pending: [{ amount: 0, currency: "eur", source_types: { card: 0 } }],
  };
}
