// Tenantry's outgoing calls to Stripe (issue 12), through the official SDK with the API version
// pinned: Checkout sessions (subscription mode) for a customer who subscribes, Customer Portal
// sessions for one who manages billing, a subscription's cancellation (closing an account), the
// retrieval of a subscription to sync our state from it ("sync from Stripe", applied by the one
// writer of billing state, applySubscriptionSnapshot), and the boot check (the key is accepted,
// each plan's prices exist). the API address's host/port/protocol point the SDK at a local double
// (tests/stripe-double/). Errors are BillingErrors with a code the portal words in FR/EN.
import Stripe from "stripe";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import type { AuditActorType } from "../audit/audit-log.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { BillingInterval, Plan, PlanCatalog } from "../plans/index.ts";
import type { BillingSettings, StripeSettings } from "./settings.ts";

/** The Stripe API version every call is made with: the one stripe 23.2.0 pins (its types follow it). */
export const STRIPE_API_VERSION = "2026-11-18.endive" as const;

/** Stripe refuses a Checkout trial_end less than 48 h ahead; we keep 10 minutes clear of that edge. */
export const MIN_TRIAL_HANDOFF_MS = 48 * 3_600_000 + 10 * 60_000;

export type BillingErrorCode =
  /** No Stripe settings: the portal runs trial-only. */
  | "not_configured"
  /** The plan cannot be bought (unknown, or no Stripe price for that interval). */
  | "no_price"
  /** The subscription already has a live Stripe subscription: manage it in the Customer Portal. */
  | "already_subscribed"
  /** No Stripe customer or subscription yet: subscribe first. */
  | "not_linked"
  /** Stripe answered with a refusal (key, parameters, unknown object). */
  | "stripe_refused"
  /** Stripe could not be reached, or answered 5xx/429: try again later. */
  | "stripe_unreachable";

export class BillingError extends OrchestratorError {
  override name = "BillingError";
  constructor(
    readonly code: BillingErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(message, { transient: code === "stripe_unreachable", cause });
  }
}

/** The SDK, version pinned, pointed at the settings' API address when given. */
export function stripeClient(settings: StripeSettings): Stripe {
  return new Stripe(settings.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: "Tenantry" },
    ...(settings.api ? { host: settings.api.host, port: settings.api.port, protocol: settings.api.protocol } : {}),
  });
}

/** A Stripe SDK error as a BillingError saying what to do (never the key itself: Stripe redacts it). */
export function billingErrorOf(error: unknown, doing: string): BillingError {
  if (error instanceof BillingError) return error;
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return new BillingError("stripe_unreachable", `Stripe could not be reached while ${doing} (${error.message}); try again in a moment.`, error);
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return new BillingError("stripe_refused", `Stripe refused the secret key while ${doing} (${error.message}): copy the secret key again from Stripe's dashboard, Developers → API keys.`, error);
  }
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? 0;
    if (status === 429 || status >= 500 || error.type === "StripeAPIError" || error.type === "StripeRateLimitError") {
      return new BillingError("stripe_unreachable", `Stripe is not answering properly while ${doing} (${status}: ${error.message}); try again in a moment.`, error);
    }
    return new BillingError("stripe_refused", `Stripe refused while ${doing}: ${error.message}${error.param ? ` (parameter ${error.param})` : ""}.`, error);
  }
  return new BillingError("stripe_unreachable", `Calling Stripe failed while ${doing}: ${error instanceof Error ? error.message : String(error)}.`, error);
}

/** A plan's Stripe price for an interval, or a BillingError naming what is missing. */
export function priceOf(plan: Plan, interval: BillingInterval): string {
  const price = interval === "month" ? plan.stripePrices?.monthly : plan.stripePrices?.yearly;
  if (!price) throw new BillingError("no_price", `Plan "${plan.id}" has no ${interval === "month" ? "monthly" : "yearly"} Stripe price: it cannot be bought that way (add stripePrices.${interval === "month" ? "monthly" : "yearly"} to it in the plans file).`);
  return price;
}

/**
 * The Checkout trial_end (seconds) that hands Stripe what is left of our trial: with
 * trial hand-over "remaining-days", when our trial ends at least 48 h (and a margin) from now;
 * otherwise none (billing starts at checkout).
 */
export function trialHandoff(trialEndsAt: Date | null, now: Date, handoff: BillingSettings["trialHandoff"]): number | undefined {
  if (handoff !== "remaining-days" || !trialEndsAt) return undefined;
  if (trialEndsAt.getTime() - now.getTime() < MIN_TRIAL_HANDOFF_MS) return undefined;
  return Math.floor(trialEndsAt.getTime() / 1000);
}

export interface CheckoutRequest {
  /** Our Subscription.id (Checkout's client_reference_id and the Stripe subscription's metadata). */
  subscriptionId: string;
  planId: string;
  interval: BillingInterval;
  successUrl: string;
  cancelUrl: string;
  /** The customer's language on Stripe's pages (default: the customer's own). */
  locale?: "fr" | "en";
}

export interface SyncOutcome {
  /** Stripe's status word as retrieved. */
  stripeStatus: string;
  /** What the one writer made of it ("applied", "applied: activated", "stale", "unmatched", …). */
  outcome: string;
}

/** Who asked for a sync (an admin from the console): the audit entry's actor. */
export interface SyncActor {
  actorType: AuditActorType;
  actorId: string;
}

/** Applies a retrieved subscription: orchestrator/billing/apply.ts's applySubscriptionSnapshot, the one writer of billing state. */
export type ApplySnapshot = (snapshot: Stripe.Subscription, actor: SyncActor) => Promise<{ outcome: string; subscriptionId: string | null }>;

/** Stripe statuses of a subscription Stripe is still billing: the plan is changed at Stripe, not here. */
export const LIVE_STRIPE_STATUSES: readonly string[] = ["active", "trialing", "past_due", "unpaid"];

/** Whether a Subscription row is billed through a live Stripe subscription (Stripe is then the source of truth for its plan). */
export function isStripeBilled(row: { stripeSubscriptionId: string | null; stripeStatus: string | null }): boolean {
  return row.stripeSubscriptionId !== null && row.stripeStatus !== null && LIVE_STRIPE_STATUSES.includes(row.stripeStatus);
}

export interface PlanChangeOutcome {
  /** False: Stripe already bills this plan's price (nothing was sent, nothing applied). */
  changed: boolean;
  plan: string;
  interval: BillingInterval;
  /** The price Stripe bills now. */
  priceId: string;
  /** The price billed before (the same when unchanged). */
  previousPriceId: string;
  stripeStatus: string;
  /** What the one writer made of the updated subscription ("applied", …; "unchanged" when nothing was sent). */
  outcome: string;
}

export interface StripeProblem {
  kind: "key" | "price";
  /** Set for a price problem. */
  plan?: string;
  priceId?: string;
  message: string;
}

export interface StripeCheckReport {
  /** ok: key and prices accepted; problems: fix them (the console shows them); unreachable: a warning, checked again later. */
  status: "ok" | "problems" | "unreachable" | "not_configured";
  problems: StripeProblem[];
  /** Set when Stripe could not be reached. */
  error?: string;
  /** How many prices were checked. */
  pricesChecked: number;
  checkedAt: Date;
}

export interface StripeApiDeps {
  prisma: PrismaClient;
  clock: Clock;
  logger: OrchestratorLogger;
  billing: BillingSettings;
  /** Absent: nothing can be bought (checkout refuses with no_price) and the check looks at the key only. */
  plans?: PlanCatalog;
  /** The one writer of a subscription's billing state (orchestrator/billing). */
  applySnapshot?: ApplySnapshot;
  /** A client of one's own (tests); default: stripeClient(billing.stripe). */
  client?: Stripe;
}

export interface StripeApi {
  readonly configured: boolean;
  createCheckoutSession(request: CheckoutRequest): Promise<{ id: string; url: string }>;
  createPortalSession(request: { subscriptionId: string; returnUrl: string; locale?: "fr" | "en" }): Promise<{ id: string; url: string }>;
  /** Ends the Stripe subscription at once (an account closed); nothing to do when none is live. */
  cancelSubscription(subscriptionId: string): Promise<{ canceled: boolean }>;
  /** Retrieves the Stripe subscription and applies it through the one writer (audited there, as `actor`). */
  syncSubscription(subscriptionId: string, actor: SyncActor): Promise<SyncOutcome>;
  /**
   * Moves a subscription billed through Stripe to another plan: the Stripe subscription's item gets
   * the plan's price for the interval it is billed on (prorated on the next invoice), then the
   * updated subscription is applied by the one writer (plan, change_plan job, audited as `actor`).
   */
  changePlan(subscriptionId: string, planId: string, actor: SyncActor): Promise<PlanChangeOutcome>;
  /** The boot check: the key is accepted and every plan's prices exist, recurring on their interval. */
  checkStripe(): Promise<StripeCheckReport>;
  /** The last check's report (null before the first). */
  lastCheck(): StripeCheckReport | null;
}

export function stripeApi(deps: StripeApiDeps): StripeApi {
  const settings = deps.billing.stripe;
  let client: Stripe | undefined = deps.client;
  let last: StripeCheckReport | null = null;
  const sdk = (): Stripe => {
    if (!settings && !deps.client) throw new BillingError("not_configured", "Stripe is not configured: the portal runs trial-only (no checkout, no customer portal).");
    client ??= stripeClient(settings!);
    return client;
  };

  const subscriptionRow = async (id: string) => {
    const row = await deps.prisma.subscription.findUnique({ where: { id }, include: { customer: { select: { email: true, locale: true, erasedAt: true } } } });
    if (!row) throw new BillingError("not_linked", `No subscription ${id}.`);
    return row;
  };

  return {
    configured: settings !== undefined || deps.client !== undefined,

    async createCheckoutSession(request) {
      const stripe = sdk();
      const row = await subscriptionRow(request.subscriptionId);
      const plan = deps.plans?.get(request.planId);
      if (!plan) throw new BillingError("no_price", deps.plans ? `No plan "${request.planId}" in ${deps.plans.file}.` : "No plans file is loaded: nothing can be bought.");
      const price = priceOf(plan, request.interval);
      if (row.stripeSubscriptionId && row.stripeStatus && ["active", "trialing", "past_due", "unpaid", "incomplete"].includes(row.stripeStatus)) {
        throw new BillingError("already_subscribed", "This subscription is already paid through Stripe: change the card or the plan in the customer portal.");
      }
      const trialEnd = trialHandoff(row.trialEndsAt, deps.clock.now(), deps.billing.trialHandoff);
      const locale = request.locale ?? (row.customer.locale === "fr" ? "fr" : "en");
      try {
        const session = await stripe.checkout.sessions.create({
          mode: "subscription",
          line_items: [{ price, quantity: 1 }],
          client_reference_id: row.id,
          ...(row.stripeCustomerId ? { customer: row.stripeCustomerId } : row.customer.erasedAt ? {} : { customer_email: row.customer.email }),
          subscription_data: { metadata: { tenantrySubscriptionId: row.id, plan: plan.id }, ...(trialEnd ? { trial_end: trialEnd } : {}) },
          metadata: { tenantrySubscriptionId: row.id, plan: plan.id },
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          locale,
        });
        if (!session.url) throw new BillingError("stripe_refused", "Stripe created a Checkout session without a page address (is it in hosted mode?).");
        deps.logger.info("Stripe Checkout session created", { subscriptionId: row.id, plan: plan.id, interval: request.interval, trialHandedOff: trialEnd !== undefined, session: session.id });
        return { id: session.id, url: session.url };
      } catch (error) {
        throw billingErrorOf(error, "creating a Checkout session");
      }
    },

    async createPortalSession(request) {
      const stripe = sdk();
      const row = await subscriptionRow(request.subscriptionId);
      if (!row.stripeCustomerId) throw new BillingError("not_linked", "This subscription has no Stripe customer yet: subscribe first.");
      try {
        const session = await stripe.billingPortal.sessions.create({
          customer: row.stripeCustomerId,
          return_url: request.returnUrl,
          locale: request.locale ?? (row.customer.locale === "fr" ? "fr" : "en"),
        });
        return { id: session.id, url: session.url };
      } catch (error) {
        throw billingErrorOf(error, "creating a customer portal session");
      }
    },

    async cancelSubscription(subscriptionId) {
      const row = await subscriptionRow(subscriptionId);
      if (!row.stripeSubscriptionId || row.stripeStatus === "canceled" || row.stripeStatus === "incomplete_expired") return { canceled: false };
      const stripe = sdk();
      try {
        await stripe.subscriptions.cancel(row.stripeSubscriptionId);
        return { canceled: true };
      } catch (error) {
        // Already canceled at Stripe (its state reaches us by webhook or sync): nothing left to do.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && /canceled/i.test(error.message)) return { canceled: false };
        throw billingErrorOf(error, "canceling the Stripe subscription");
      }
    },

    async syncSubscription(subscriptionId, actor) {
      const row = await subscriptionRow(subscriptionId);
      if (!row.stripeSubscriptionId) throw new BillingError("not_linked", "This subscription is not linked to a Stripe subscription yet: nothing to sync.");
      if (!deps.applySnapshot) throw new BillingError("not_configured", "Syncing needs the billing state writer (applySubscriptionSnapshot), which is not wired.");
      const stripe = sdk();
      let snapshot: Stripe.Subscription;
      try {
        snapshot = await stripe.subscriptions.retrieve(row.stripeSubscriptionId);
      } catch (error) {
        throw billingErrorOf(error, `retrieving subscription ${row.stripeSubscriptionId}`);
      }
      const applied = await deps.applySnapshot(snapshot, actor);
      deps.logger.info("subscription synced from Stripe", { subscriptionId: row.id, stripeStatus: snapshot.status, outcome: applied.outcome });
      return { stripeStatus: snapshot.status, outcome: applied.outcome };
    },

    async changePlan(subscriptionId, planId, actor) {
      const stripe = sdk();
      const row = await subscriptionRow(subscriptionId);
      if (!isStripeBilled(row)) {
        throw new BillingError(
          "not_linked",
          `Subscription ${row.id} is not billed through a live Stripe subscription (Stripe status ${row.stripeStatus ?? "none"}): its plan is changed in the portal alone, or the customer subscribes through Checkout first.`,
        );
      }
      if (!deps.applySnapshot) throw new BillingError("not_configured", "Changing a plan at Stripe needs the billing state writer (applySubscriptionSnapshot), which is not wired.");
      const plan = deps.plans?.get(planId);
      if (!plan) throw new BillingError("no_price", deps.plans ? `No plan "${planId}" in ${deps.plans.file}.` : "No plans file is loaded: no plan has a Stripe price.");
      const stripeSubscriptionId = row.stripeSubscriptionId!;
      let current: Stripe.Subscription;
      try {
        current = await stripe.subscriptions.retrieve(stripeSubscriptionId);
      } catch (error) {
        throw billingErrorOf(error, `retrieving subscription ${stripeSubscriptionId}`);
      }
      // Tenantry's subscriptions have one item (Checkout's one line item): its price is the plan.
      const item = current.items?.data?.[0];
      const recurring = item?.price?.recurring?.interval;
      if (!item || (recurring !== "month" && recurring !== "year")) {
        throw new BillingError(
          "stripe_refused",
          `Stripe subscription ${stripeSubscriptionId} has no item billed monthly or yearly (${item ? `price ${item.price.id}` : "no item"}): change its plan in Stripe's dashboard.`,
        );
      }
      const interval: BillingInterval = recurring === "month" ? "month" : "year";
      const field = interval === "month" ? "monthly" : "yearly";
      const price = interval === "month" ? plan.stripePrices?.monthly : plan.stripePrices?.yearly;
      if (!price) {
        throw new BillingError(
          "no_price",
          `Plan "${plan.id}" has no ${field} Stripe price, and this subscription is billed every ${interval}: add stripePrices.${field} to it in ${deps.plans!.file}, or change the plan in Stripe's dashboard.`,
        );
      }
      const base = { plan: plan.id, interval, previousPriceId: item.price.id } as const;
      if (item.price.id === price) {
        deps.logger.info("plan change at Stripe: nothing to do, Stripe already bills this price", { subscriptionId: row.id, plan: plan.id, interval, price });
        return { ...base, changed: false, priceId: price, stripeStatus: current.status, outcome: "unchanged" };
      }
      let updated: Stripe.Subscription;
      try {
        updated = await stripe.subscriptions.update(stripeSubscriptionId, {
          items: [{ id: item.id, price }],
          proration_behavior: "create_prorations",
          metadata: { ...current.metadata, plan: plan.id },
        });
      } catch (error) {
        throw billingErrorOf(error, `changing subscription ${stripeSubscriptionId} to plan "${plan.id}" (price ${price})`);
      }
      deps.logger.info("plan changed at Stripe", { subscriptionId: row.id, stripeSubscriptionId, plan: plan.id, interval, from: item.price.id, to: price, actorType: actor.actorType });
      let applied: { outcome: string };
      try {
        applied = await deps.applySnapshot(updated, actor);
      } catch (error) {
        // Stripe has changed: its customer.subscription.updated webhook (or "sync from Stripe") applies it later.
        deps.logger.error("plan changed at Stripe but not applied here; the webhook or Sync from Stripe will apply it", {
          subscriptionId: row.id,
          stripeSubscriptionId,
          plan: plan.id,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      return { ...base, changed: true, priceId: price, stripeStatus: updated.status, outcome: applied.outcome };
    },

    async checkStripe() {
      const checkedAt = deps.clock.now();
      if (!settings && !deps.client) return (last = { status: "not_configured", problems: [], pricesChecked: 0, checkedAt });
      const stripe = sdk();
      try {
        await stripe.balance.retrieve();
      } catch (error) {
        const failure = billingErrorOf(error, "checking the secret key");
        if (failure.code === "stripe_unreachable") return (last = { status: "unreachable", problems: [], error: failure.message, pricesChecked: 0, checkedAt });
        return (last = { status: "problems", problems: [{ kind: "key", message: failure.message }], pricesChecked: 0, checkedAt });
      }
      const problems: StripeProblem[] = [];
      let pricesChecked = 0;
      for (const plan of deps.plans?.all() ?? []) {
        for (const interval of ["month", "year"] as const) {
          const priceId = interval === "month" ? plan.stripePrices?.monthly : plan.stripePrices?.yearly;
          if (!priceId) continue;
          pricesChecked++;
          const where = `plan "${plan.id}" (${deps.plans!.file}), stripePrices.${interval === "month" ? "monthly" : "yearly"}`;
          try {
            const price = await stripe.prices.retrieve(priceId);
            if (!price.active) problems.push({ kind: "price", plan: plan.id, priceId, message: `${where}: price ${priceId} is archived in Stripe; make it active or name another.` });
            else if (price.recurring?.interval !== interval) {
              problems.push({ kind: "price", plan: plan.id, priceId, message: `${where}: price ${priceId} is ${price.recurring ? `billed every ${price.recurring.interval}` : "not recurring"}, not every ${interval}; name a recurring ${interval === "month" ? "monthly" : "yearly"} price.` });
            }
          } catch (error) {
            const failure = billingErrorOf(error, `checking price ${priceId}`);
            if (failure.code === "stripe_unreachable") return (last = { status: "unreachable", problems, error: failure.message, pricesChecked, checkedAt });
            const missing = error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing";
            problems.push({
              kind: "price",
              plan: plan.id,
              priceId,
              message: missing ? `${where}: Stripe has no price ${priceId} for this key (test and live mode have their own prices); copy the price id from Stripe's dashboard.` : `${where}: ${failure.message}`,
            });
          }
        }
      }
      return (last = { status: problems.length > 0 ? "problems" : "ok", problems, pricesChecked, checkedAt });
    },

    lastCheck: () => last,
  };
}
