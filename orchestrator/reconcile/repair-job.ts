// The repair of a tenant whose stack drifted (JobKind "reconcile", asked for by the reconciler):
// as a resume does, deploy the tenant's stack again, which recreates whatever is missing (the
// same secrets, ports and volume, so the same data) and starts what stopped, then wait for the
// template's readiness checks. On success the tenant is seen running again: repairFailures 0, no
// attention reason, tenant.repaired. On failure (markFailed) repairFailures goes up by one and
// tenant.repair_failed records why; the tenant stays "active" in both its desired and its actual
// state, so the next reconciliation sees the drift again and tries once more, until two repairs
// have failed and it flags the tenant for an operator instead (drift.ts). Nothing is compensated:
// a repair never removes anything.
import { writeAudit } from "../audit/audit-log.ts";
import type { JobContext, JobDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { healthStep } from "../lifecycle/job-records.ts";
import { tenantStack } from "../lifecycle/tenant-stack.ts";

export function repairJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "redeploy",
        async run(context) {
          const { stack } = await tenantStack(deps, context);
          await context.progress("Recreating what is missing and starting what stopped");
          await deps.driver.deploy(stack, { signal: context.signal });
        },
      },
      healthStep(deps),
      {
        name: "repaired",
        async run(context) {
          await context.withLease(async (tx) => {
            await tx.tenant.update({
              where: { id: context.tenant.id },
              data: { progress: null, observedState: "running", observedAt: deps.clock.now(), repairFailures: 0, attentionReason: null },
            });
            await writeAudit(tx, { ...actor(context), action: "tenant.repaired", tenantId: context.tenant.id, outcome: "succeeded" });
          });
        },
      },
    ],
    async markFailed(context, reason) {
      await context.withLease(async (tx) => {
        const { repairFailures } = await tx.tenant.update({
          where: { id: context.tenant.id },
          data: { repairFailures: { increment: 1 }, progress: reason.slice(0, 1000) },
          select: { repairFailures: true },
        });
        await writeAudit(tx, {
          ...actor(context),
          action: "tenant.repair_failed",
          tenantId: context.tenant.id,
          outcome: "failed",
          details: { reason: reason.slice(0, 2000), repairFailures },
        });
      });
    },
  };
}

// Recorded in the name of whoever asked for the repair (the reconciler), as every job's outcome is.
function actor(context: JobContext) {
  return { actorType: "system", actorId: context.job.requestedBy ?? context.job.id } as const;
}
