// The console's use of the outgoing Stripe calls (issue 12): "sync from Stripe" on a tenant's
// subscription (the subscription retrieved from Stripe and applied by the one writer of billing
// state, which audits it as subscription.synced with the admin as actor), and the dashboard's view of
// Stripe's boot check. Answers are message keys the route words in the admin's language.
import type { AppServices } from "~/services.server";
import type { StripeConsoleKey } from "~/i18n/stripe-console";

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
