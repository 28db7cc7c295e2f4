// One tenant's observation recorded, and what follows from it, in one transaction under the
// tenant's row lock (the lock the console's actions take too):
// - running: observedState running; repairFailures back to 0 and attentionReason cleared.
// - missing or stopped while the tenant should run (desired and actual state active, no job
//   queued or running): a repair job is requested (tenant.drift_detected, by "reconciler"), or,
//   after two failed repairs, the tenant is flagged for an operator once (attentionReason,
//   tenant.flagged, an alert) and left alone.
// The row is compared with the snapshot taken before the engine was read: if anything changed the
// tenant since (a job moved it, another reconciler recorded it), what was seen may be stale and
// this pass leaves the tenant alone; the next one looks again. So two reconcilers at once never
// request two repairs: the second finds the row changed by the first.
import { writeAudit } from "../audit/audit-log.ts";
import { requestJob } from "../jobs/job-requests.ts";
import { raiseNotification } from "../notify/alerts.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { TenantObservation } from "./observe.ts";
import { SCHEDULER_ACTOR } from "./outage.ts";

/** Repairs that must fail before the reconciler stops trying and flags the tenant. */
export const REPAIR_ATTEMPTS = 2;

/** The attention reason written for a tenant whose repairs failed: a code the console words. */
export function repairsFailedReason(observation: TenantObservation): string {
  return `repairs_failed:${observation.state}:${observation.services.join(",")}`;
}

export interface TenantSnapshot {
  id: string;
  slug: string;
  updatedAt: Date;
}

export type DriftOutcome = "healthy" | "observed" | "repair_requested" | "flagged" | "left_flagged" | "busy" | "changed";

export async function recordObservation(
  deps: SchedulerDeps,
  snapshot: TenantSnapshot,
  observation: TenantObservation,
  asOf: Date,
): Promise<DriftOutcome> {
  return deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${snapshot.id} FOR UPDATE`;
    const tenant = await tx.tenant.findUnique({
      where: { id: snapshot.id },
      select: { updatedAt: true, desiredState: true, actualState: true, repairFailures: true, attentionReason: true, observedState: true },
    });
    if (!tenant || tenant.updatedAt.getTime() !== snapshot.updatedAt.getTime()) return "changed";
    const observed = { observedState: observation.state, observedAt: asOf };

    if (observation.state === "running") {
      await tx.tenant.update({ where: { id: snapshot.id }, data: { ...observed, repairFailures: 0, attentionReason: null } });
      return "healthy";
    }
    const shouldRun = tenant.desiredState === "active" && tenant.actualState === "active";
    const busy = shouldRun && (await tx.provisioningJob.count({ where: { tenantId: snapshot.id, status: { in: ["queued", "running"] } } })) > 0;
    if (!shouldRun || busy) {
      await tx.tenant.update({ where: { id: snapshot.id }, data: observed });
      return busy ? "busy" : "observed";
    }
    const details = { observed: observation.state, services: observation.services.join(","), repairFailures: tenant.repairFailures };

    if (tenant.repairFailures >= REPAIR_ATTEMPTS) {
      if (tenant.attentionReason !== null) {
        await tx.tenant.update({ where: { id: snapshot.id }, data: observed });
        return "left_flagged";
      }
      const attentionReason = repairsFailedReason(observation);
      await tx.tenant.update({ where: { id: snapshot.id }, data: { ...observed, attentionReason } });
      await writeAudit(tx, { ...SCHEDULER_ACTOR, action: "tenant.flagged", tenantId: snapshot.id, outcome: "failed", details });
      await raiseNotification(tx, {
        idempotencyKey: `alert.reconciliation_failed:flagged:${snapshot.id}:${tenant.repairFailures}:${asOf.toISOString().slice(0, 10)}`,
        kind: "alert.reconciliation_failed",
        severity: "critical",
        title: `Tenant ${snapshot.slug} needs an operator: ${tenant.repairFailures} repairs failed`,
        fields: {
          cause: "tenant_flagged",
          tenant: snapshot.slug,
          tenantId: snapshot.id,
          observed: observation.state,
          services: observation.services.join(", "),
          attempts: tenant.repairFailures,
        },
      });
      return "flagged";
    }

    await tx.tenant.update({ where: { id: snapshot.id }, data: observed });
    await requestJob(tx, {
      tenantId: snapshot.id,
      kind: "reconcile",
      requestedBy: "reconciler",
      audit: { ...SCHEDULER_ACTOR, action: "tenant.drift_detected", outcome: "queued", details },
    });
    return "repair_requested";
  });
}
