// Applying what Stripe says to a subscription: a subscription snapshot (from a customer.subscription.*
// event, or retrieved by "sync from Stripe"), an invoice paid or failed, a Checkout session completed.
// The one writer of Subscription's billing fields. Each runs in the caller's transaction under the
// tenant's and the subscription's row locks, drops what is older than the state already applied
// (stripeStateAt), and hands the transition to billing-effects.ts (tenant, audit, email).
import type Stripe from "stripe";
import type { Prisma } from "../../prisma/generated/client.ts";
import type { AuditAction } from "../audit/audit-log.ts";
import { applyEffects, lockBillingRow, transitionEmail, type BillingActor, type BillingDeps } from "./billing-effects.ts";
import { decide, invoiceStatus, isStale, type Decision, type StripeSubscriptionView } from "./stripe-state.ts";
import { queuePlanChange } from "../plans/queue-plan-change.ts";

type Db = Prisma.TransactionClient;

/** What applying one thing did: "applied", "applied: <transition>", "stale", "linked", "ignored: …", "unmatched". */
export interface ApplyResult {
  outcome: string;
  /** Our Subscription.id, when one was found. */
  subscriptionId: string | null;
}

const ENDED = new Set(["canceled", "incomplete_expired"]);

const seconds = (value: number | null | undefined): Date | null => (typeof value === "number" ? new Date(value * 1000) : null);
const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === "string" ? value : (value?.id ?? null));

/** A Stripe subscription object in our terms (price, interval and period end from its first item). */
export function viewOf(subscription: Stripe.Subscription): StripeSubscriptionView {
  const item = subscription.items?.data?.[0];
  const interval = item?.price?.recurring?.interval;
  return {
    subscriptionId: subscription.id,
    customerId: idOf(subscription.customer),
    status: subscription.status,
    priceId: item?.price?.id ?? null,
    interval: interval === "month" ? "month" : interval === "year" ? "year" : null,
    amount: item?.price?.unit_amount ?? null,
    currency: item?.price?.currency ?? null,
    currentPeriodEnd: seconds(item?.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
    endedAt: seconds(subscription.ended_at),
  };
}

/** Our subscription's id: by the Stripe subscription linked to it, else by the id Stripe carries for us. */
export async function findSubscription(db: Db, stripeSubscriptionId: string | null, ourId: string | null | undefined): Promise<string | null> {
  if (stripeSubscriptionId) {
    const linked = await db.subscription.findUnique({ where: { stripeSubscriptionId }, select: { id: true } });
    if (linked) return linked.id;
  }
  if (ourId) {
    const ours = await db.subscription.findUnique({ where: { id: ourId }, select: { id: true } });
    if (ours) return ours.id;
  }
  return null;
}

/** The Stripe subscription id is another row's already: linking it here would break the unique key. */
async function linkedElsewhere(db: Db, subscriptionId: string, stripeSubscriptionId: string): Promise<boolean> {
  const other = await db.subscription.findUnique({ where: { stripeSubscriptionId }, select: { id: true } });
  return other !== null && other.id !== subscriptionId;
}

async function finish(
  tx: Db,
  deps: BillingDeps,
  subscriptionId: string,
  tenantId: string | null,
  decision: Decision,
  data: Prisma.SubscriptionUpdateInput,
  context: { from: string; at: Date; actor: BillingActor; unchangedAction: AuditAction; details: Record<string, string | number | boolean | null>; payUrl?: string },
): Promise<ApplyResult> {
  const after = await tx.subscription.update({ where: { id: subscriptionId }, data, select: { status: true, stripeStatus: true, pastDueSince: true, graceEndsAt: true, endedAt: true } });
  await applyEffects(tx, deps, {
    subscriptionId,
    tenantId,
    transition: decision.transition,
    tenant: decision.tenant,
    actor: context.actor,
    unchangedAction: context.unchangedAction,
    details: { ...context.details, from: context.from, status: after.status, stripeStatus: after.stripeStatus, at: context.at.toISOString() },
    email: transitionEmail(subscriptionId, decision.transition, after, context.at, context.payUrl),
  });
  return { outcome: decision.transition ? `applied: ${decision.transition}` : "applied", subscriptionId };
}

/** A subscription snapshot as of `at` (the event's created time, or the retrieval's). */
export async function applySnapshotInTx(
  tx: Db,
  deps: BillingDeps,
  subscriptionId: string,
  view: StripeSubscriptionView,
  at: Date,
  actor: BillingActor,
  unchangedAction: AuditAction = "subscription.updated",
): Promise<ApplyResult> {
  const tenantId = await lockBillingRow(tx, subscriptionId);
  const row = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  if (isStale(row, at)) return { outcome: "stale", subscriptionId };
  if (row.stripeSubscriptionId !== view.subscriptionId) {
    // An ended subscription other than the one linked (the customer subscribed again since) changes nothing.
    if (row.stripeSubscriptionId && ENDED.has(view.status)) return { outcome: "ignored: an ended Stripe subscription that is no longer this one's", subscriptionId };
    if (await linkedElsewhere(tx, subscriptionId, view.subscriptionId)) return { outcome: "ignored: this Stripe subscription is linked to another subscription", subscriptionId };
  }
  const decision = decide(row, view.status, at, deps.settings.graceDays, { endedAt: view.endedAt });
  const plan = view.priceId ? deps.plans?.byPriceId(view.priceId) : undefined;
  const data: Prisma.SubscriptionUpdateInput = {
    ...decision.data,
    stripeSubscriptionId: view.subscriptionId,
    stripeCustomerId: view.customerId ?? row.stripeCustomerId,
    stripePriceId: view.priceId,
    billingInterval: view.interval,
    stripePriceAmount: view.amount,
    stripePriceCurrency: view.currency,
    currentPeriodEnd: view.currentPeriodEnd,
    cancelAtPeriodEnd: view.cancelAtPeriodEnd,
    ...(plan ? { plan: plan.plan.id } : {}),
  };
  const result = await finish(tx, deps, subscriptionId, tenantId, decision, data, {
    from: row.status,
    at,
    actor,
    unchangedAction,
    details: { stripeSubscriptionId: view.subscriptionId, priceId: view.priceId, cancelAtPeriodEnd: view.cancelAtPeriodEnd },
  });
  // A price of another plan (the customer changed plan in Stripe's portal, or an admin in the
  // console through Stripe): its limits applied to the running containers by the same job as the
  // console's plan change, queued in this transaction, naming who: Stripe's webhook, or the admin.
  if (plan && tenantId && deps.plans && (await tenantStands(tx, tenantId))) {
    await queuePlanChange(tx, deps.plans, { tenantId, from: row.plan, to: plan.plan.id, requestedBy: actor.actorId, actorType: actor.actorType });
  }
  return result;
}

async function tenantStands(tx: Db, tenantId: string): Promise<boolean> {
  const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, select: { actualState: true } });
  return tenant !== null && tenant.actualState !== "destroying" && tenant.actualState !== "destroyed";
}

export interface InvoiceFacts {
  paid: boolean;
  stripeSubscriptionId: string | null;
  customerId: string | null;
  /** The invoice's own creation time (a failure's grace starts from the invoice, whatever the retry). */
  invoiceCreated: Date;
  /** Stripe's hosted page to pay it. */
  payUrl?: string;
}

/** invoice.paid (→ active, grace cleared, resumed) or invoice.payment_failed (→ past_due, grace) as of `at`. */
export async function applyInvoiceInTx(tx: Db, deps: BillingDeps, subscriptionId: string, invoice: InvoiceFacts, at: Date, actor: BillingActor): Promise<ApplyResult> {
  const tenantId = await lockBillingRow(tx, subscriptionId);
  const row = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  if (isStale(row, at)) return { outcome: "stale", subscriptionId };
  if (invoice.stripeSubscriptionId && row.stripeSubscriptionId && row.stripeSubscriptionId !== invoice.stripeSubscriptionId) {
    return { outcome: "ignored: an invoice of a Stripe subscription that is no longer this one's", subscriptionId };
  }
  const status = invoiceStatus(row, invoice.paid);
  if (status === null) return { outcome: "ignored: the subscription has ended", subscriptionId };
  const linkable = !row.stripeSubscriptionId && invoice.stripeSubscriptionId && !(await linkedElsewhere(tx, subscriptionId, invoice.stripeSubscriptionId));
  const decision = decide(row, status, at, deps.settings.graceDays, { failedInvoiceCreated: invoice.paid ? null : invoice.invoiceCreated });
  const data: Prisma.SubscriptionUpdateInput = {
    ...decision.data,
    ...(linkable ? { stripeSubscriptionId: invoice.stripeSubscriptionId } : {}),
    ...(!row.stripeCustomerId && invoice.customerId ? { stripeCustomerId: invoice.customerId } : {}),
  };
  return finish(tx, deps, subscriptionId, tenantId, decision, data, {
    from: row.status,
    at,
    actor,
    unchangedAction: "subscription.updated",
    details: { invoice: invoice.paid ? "paid" : "payment_failed" },
    ...(invoice.payUrl ? { payUrl: invoice.payUrl } : {}),
  });
}

/**
 * checkout.session.completed: links the Stripe customer and subscription to the row Checkout was
 * opened for (client_reference_id). The status moves with the subscription's and invoices' events.
 * A later Checkout (the customer subscribed again) replaces an older link; an older one changes nothing.
 */
export async function applyCheckoutInTx(
  tx: Db,
  deps: BillingDeps,
  subscriptionId: string,
  link: { stripeSubscriptionId: string | null; customerId: string | null },
  at: Date,
  actor: BillingActor,
): Promise<ApplyResult> {
  const tenantId = await lockBillingRow(tx, subscriptionId);
  const row = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  if (!link.stripeSubscriptionId) return { outcome: "ignored: not a subscription checkout", subscriptionId };
  if (row.stripeSubscriptionId === link.stripeSubscriptionId) return { outcome: "linked", subscriptionId };
  if (row.stripeSubscriptionId && isStale(row, at)) return { outcome: "stale", subscriptionId };
  if (await linkedElsewhere(tx, subscriptionId, link.stripeSubscriptionId)) return { outcome: "ignored: this Stripe subscription is linked to another subscription", subscriptionId };
  await tx.subscription.update({
    where: { id: subscriptionId },
    data: { stripeSubscriptionId: link.stripeSubscriptionId, ...(link.customerId ? { stripeCustomerId: link.customerId } : {}) },
  });
  await applyEffects(tx, deps, {
    subscriptionId,
    tenantId,
    transition: null,
    tenant: null,
    actor,
    unchangedAction: "subscription.linked",
    details: { stripeSubscriptionId: link.stripeSubscriptionId, stripeCustomerId: link.customerId },
  });
  return { outcome: "linked", subscriptionId };
}

/**
 * The one way in for a subscription retrieved from Stripe (helper J's syncSubscription, the console's
 * "sync from Stripe"): applied as of `at` (default: now), in its own transaction, audited as
 * subscription.synced when it changes no status (else as the transition).
 */
export async function applySubscriptionSnapshot(
  deps: BillingDeps,
  snapshot: Stripe.Subscription,
  options: { actor: BillingActor; at?: Date },
): Promise<ApplyResult> {
  const at = options.at ?? deps.clock.now();
  return deps.prisma.$transaction(
    async (tx) => {
      const id = await findSubscription(tx, snapshot.id, snapshot.metadata?.tenantrySubscriptionId);
      if (!id) return { outcome: "unmatched", subscriptionId: null };
      return applySnapshotInTx(tx, deps, id, viewOf(snapshot), at, options.actor, "subscription.synced");
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}
