// A subscription's plan changed through Stripe (a price change seen by billing: a webhook, a sync, or
// the console's plan change on a Stripe-billed subscription, applied by the one billing writer):
// the change_plan job that applies the new plan's limits to the tenant's containers, queued with
// the caller's transaction and an entry naming who (Stripe's webhook, or the admin who asked), from
// and to. The console's plan change on a subscription not billed through Stripe
// (app/models/admin-actions.server.ts) queues the same job under admin.plan.
import type { AuditActorType, DatabaseWriter } from "../audit/audit-log.ts";
import { requestJob } from "../jobs/job-requests.ts";
import type { PlanCatalog } from "./catalog.ts";

export interface PlanChange {
  tenantId: string;
  /** Subscription.plan before and after ("trial" reads as the default plan). */
  from: string;
  to: string;
  /** Who asked ("stripe", an operator's email…): the job's own entries name them. */
  requestedBy: string;
  /** The entry's actor type: "system" (default) for Stripe's webhook, "admin" for a console change. */
  actorType?: AuditActorType;
}

/**
 * Queues change_plan when the limits can differ (the two values name different plans of the
 * catalogue); returns the job's id, or null when nothing needs applying.
 */
export async function queuePlanChange(db: DatabaseWriter, plans: { forSubscription(plan: string): { id: string } }, change: PlanChange): Promise<string | null> {
  if (plans.forSubscription(change.from).id === plans.forSubscription(change.to).id) return null;
  return requestJob(db, {
    tenantId: change.tenantId,
    kind: "change_plan",
    requestedBy: change.requestedBy,
    audit: { actorType: change.actorType ?? "system", actorId: change.requestedBy, action: "subscription.plan_changed", outcome: "queued", details: { from: change.from, to: change.to } },
  });
}
