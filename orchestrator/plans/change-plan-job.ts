// The change_plan job (issue 12): after the console changes a tenant's plan (Subscription.plan,
// written with the job's request in one transaction), the plan's limits are applied to the
// tenant's existing containers in place, without a restart. The job reads the plan when it runs,
// so two quick changes end on the last one; a stack not deployed yet (or stopped through
// Portainer) has no container to update and gets the limits when it is next deployed, since
// every render takes them from the plan (tenant-stack.ts). The tenant's state is never changed.
import { writeAudit } from "../audit/audit-log.ts";
import { OrchestratorError } from "../errors.ts";
import type { JobDefinition } from "../jobs/run-job.ts";
import { projectName, type LifecycleDeps } from "../lifecycle/context.ts";
import { auditActor, markFailed } from "../lifecycle/job-records.ts";
import { planResources } from "./plan-schema.ts";
import { tenantPlan } from "./tenant-resources.ts";

export function changePlanJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "apply-limits",
        async run(context) {
          const plan = await tenantPlan(deps, context.tenant.id);
          if (!plan) {
            throw new OrchestratorError("The orchestrator was started without a plan catalogue, so no plan's limits can be applied; configure the plans file and run the change again.", {
              transient: false,
            });
          }
          await context.progress(`Applying the ${plan.id} plan's limits`);
          const containers = await deps.driver.updateResources(projectName(context.tenant.slug), planResources(plan));
          await context.withLease(async (tx) => {
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } });
            await writeAudit(tx, {
              ...auditActor(context),
              action: "tenant.plan_applied",
              tenantId: context.tenant.id,
              outcome: "succeeded",
              details: { plan: plan.id, memoryMb: plan.limits.memoryMb, cpus: plan.limits.cpus, containers },
            });
          });
        },
      },
    ],
    markFailed: (context, reason) => markFailed(context, "tenant.plan_apply_failed", reason, "keep"),
  };
}
