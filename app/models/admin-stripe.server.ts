// The console's use of the outgoing Stripe calls (issue 12): "sync from Stripe" on a tenant's
// subscription (the subscription retrieved from Stripe and applied by the one writer of billing
// state, which audits it as subscription.synced with the admin as actor), the plan change on a
// subscription billed through Stripe (made at Stripe, then applied by that same writer; the admin's
// request audited here as admin.plan via Stripe), and the dashboard's view of Stripe's boot check.
// Answers are message keys the route words in the admin's language.
import { writeAudit, type StripeApi } from "../../orchestrator/index.ts";
import type { AppServices } from "~/services.server";
import type { StripeConsoleKey } from "~/i18n/stripe-console";
import type { AdminMessage } from "./admin-actions.server";

export type StripeSyncAnswer = { ok: boolean; status: number; key: StripeConsoleKey; values?: Record<string, string> };

/** A BillingError from the orchestrator, recognised by name (the build bundles its own copy of the class). */
function billingCode(error: unknown): string | undefined {
  return error instanceof Error && error.name === "BillingError" ? (error as Error & { code?: string }).code : undefined;
}

export async function syncTenantFromStripe(services: Pick<AppServices, "prisma" | "orchestrator">, tenantId: string, adminEmail: string): Promise<StripeSyncAnswer> {
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { subscriptionId: true } });
  if (!tenant) return { ok: false, status: 404, key: "stripeSync.refused.missing" };
  if (!services.orchestrator.stripe.configured) return { ok: false, status: 409, key: "stripeSync.refused.notConfigured" };
  if (!tenant.subscriptionId) return { ok: false, status: 409, key: "stripeSync.refused.notLinked" };
  try {
    const synced = await services.orchestrator.stripe.syncSubscription(tenant.subscriptionId, { actorType: "admin", actorId: adminEmail });
    return { ok: true, status: 200, key: "stripeSync.done", values: { stripeStatus: synced.stripeStatus, outcome: synced.outcome } };
  } catch (error) {
    const code = billingCode(error);
    const reason = error instanceof Error ? error.message : String(error);
    if (code === "not_linked") return { ok: false, status: 409, key: "stripeSync.refused.notLinked" };
    if (code === "not_configured") return { ok: false, status: 409, key: "stripeSync.refused.notConfigured" };
    if (code === "stripe_unreachable") return { ok: false, status: 503, key: "stripeSync.refused.unreachable", values: { reason } };
    if (code === "stripe_refused") return { ok: false, status: 502, key: "stripeSync.refused.stripe", values: { reason } };
    throw error;
  }
}

/** A plan change made at Stripe, or why not (nothing changed then; the caller records the refusal). */
export type StripePlanChange = { ok: true; message: AdminMessage } | { ok: false; reason: AdminMessage; status: 409 | 502 | 503 };

export interface StripePlanChangeRequest {
  tenantId: string;
  subscriptionId: string;
  /** Subscription.plan before, and the plan asked for (a plan of the catalogue). */
  from: string;
  to: string;
  /** How Stripe bills it (Subscription.billingInterval), for the words of a missing price. */
  interval: string | null;
  adminEmail: string;
}

/**
 * The plan action on a subscription Stripe bills (isStripeBilled): Stripe's item gets the plan's
 * price (prorated at the next invoice) and the one billing writer applies the result (the plan, the
 * change_plan job and their entries, naming the admin). Runs outside any transaction of ours: the
 * Stripe call must not hold the tenant's row lock, and the writer takes it itself.
 */
export async function changePlanAtStripe(
  services: Pick<AppServices, "prisma"> & { orchestrator?: { stripe: Pick<StripeApi, "configured" | "changePlan"> } },
  request: StripePlanChangeRequest,
): Promise<StripePlanChange> {
  const via = { via: "stripe" } as const;
  const stripe = services.orchestrator?.stripe;
  if (!stripe?.configured) return { ok: false, status: 409, reason: { key: "refused.planStripe.notConfigured", values: via } };
  try {
    const changed = await stripe.changePlan(request.subscriptionId, request.to, { actorType: "admin", actorId: request.adminEmail });
    if (!changed.changed) return { ok: false, status: 409, reason: { key: "refused.planStripe.same", values: { ...via, plan: request.to } } };
    await writeAudit(services.prisma, {
      actorType: "admin",
      actorId: request.adminEmail,
      action: "admin.plan",
      tenantId: request.tenantId,
      outcome: "queued",
      details: { ...via, from: request.from, to: request.to, interval: changed.interval, priceId: changed.priceId, previousPriceId: changed.previousPriceId, applied: changed.outcome },
    });
    return { ok: true, message: { key: "result.planStripe", values: { plan: request.to } } };
  } catch (error) {
    const code = billingCode(error);
    // `detail`, not `reason`: the refusal's entry keeps `reason` for the message key.
    const detail = error instanceof Error ? error.message : String(error);
    if (code === "not_configured") return { ok: false, status: 409, reason: { key: "refused.planStripe.notConfigured", values: via } };
    if (code === "not_linked") return { ok: false, status: 409, reason: { key: "refused.planStripe.notLinked", values: via } };
    if (code === "no_price") {
      const key = request.interval === "month" ? "refused.planStripe.noMonthlyPrice" : request.interval === "year" ? "refused.planStripe.noYearlyPrice" : "refused.planStripe.noPrice";
      return { ok: false, status: 409, reason: { key, values: { ...via, plan: request.to, detail } } };
    }
    if (code === "stripe_unreachable") return { ok: false, status: 503, reason: { key: "refused.planStripe.unreachable", values: { ...via, detail } } };
    if (code === "stripe_refused") return { ok: false, status: 502, reason: { key: "refused.planStripe.refused", values: { ...via, detail } } };
    throw error;
  }
}

export interface StripeCheckView {
  status: "problems" | "unreachable";
  problems: { kind: "key" | "price"; message: string }[];
  error: string | null;
}

/** The boot check's report when there is something to say (null when fine, not run yet, or trial-only). */
export function stripeCheckView(services: Pick<AppServices, "orchestrator">): StripeCheckView | null {
  const report = services.orchestrator.stripe.lastCheck();
  if (!report || (report.status !== "problems" && report.status !== "unreachable")) return null;
  return { status: report.status, problems: report.problems.map((p) => ({ kind: p.kind, message: p.message })), error: report.error ?? null };
}
