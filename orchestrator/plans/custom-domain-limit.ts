// How many custom domains a tenant may hold (issue 14's limit, per plan since issue 12): its plan's
// customDomains when the plan sets it, the portal's per-tenant setting otherwise.
import type { DatabaseWriter } from "../audit/audit-log.ts";
import { LEGACY_TRIAL_PLAN, type PlanCatalog } from "./catalog.ts";

export async function customDomainLimit(db: DatabaseWriter, plans: PlanCatalog | undefined, tenantId: string, fallback: number): Promise<number> {
  if (!plans) return fallback;
  const row = await db.tenant.findUnique({ where: { id: tenantId }, select: { subscription: { select: { plan: true } } } });
  return plans.forSubscription(row?.subscription?.plan ?? LEGACY_TRIAL_PLAN).customDomains ?? fallback;
}
