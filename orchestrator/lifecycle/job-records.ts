// What lifecycle jobs write about their tenant, shared by every job definition (definitions.ts,
// terminate.ts, the reconciler's repair): the health step, the tenant's state with its audit
// entry, and the failure record. Every write goes through the job's lease (context.withLease), so a
// runner whose job was taken over writes nothing.
import type { Prisma, TenantActualState } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditAction } from "../audit/audit-log.ts";
import type { JobContext, StepDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "./context.ts";
import { waitUntilReady } from "./readiness-wait.ts";
import { tenantStack } from "./tenant-stack.ts";

/** Waits for every readiness check of the template, in order. */
export function healthStep(deps: LifecycleDeps): StepDefinition {
  return {
    name: "health",
    async run(context) {
      const rendered = await tenantStack(deps, context);
      for (const check of rendered.readiness) {
        await context.progress(check.description);
        await waitUntilReady(deps, context, rendered.stack.project, check);
      }
    },
  };
}

/** The tenant's state (and its audit entry), only while this runner holds the job's lease. */
export async function setState(
  context: JobContext,
  state: TenantActualState,
  progress: string | null,
  auditAction?: AuditAction,
) {
  await context.withLease(async (tx) => {
    await tx.tenant.update({ where: { id: context.tenant.id }, data: { actualState: state, progress } });
    if (auditAction) {
      await writeAudit(tx, { ...auditActor(context), action: auditAction, tenantId: context.tenant.id, outcome: "succeeded" });
    }
  });
}

export async function markFailed(
  context: JobContext,
  action: AuditAction,
  reason: string,
  state: TenantActualState | "keep" = "failed",
  alsoWrite?: (tx: Prisma.TransactionClient) => Promise<void>,
) {
  await context.withLease(async (tx) => {
    await alsoWrite?.(tx);
    await tx.tenant.update({
      where: { id: context.tenant.id },
      data: { ...(state === "keep" ? {} : { actualState: state }), progress: reason.slice(0, 1000) },
    });
    await writeAudit(tx, {
      ...auditActor(context),
      action,
      tenantId: context.tenant.id,
      outcome: "failed",
      details: { reason: reason.slice(0, 2000) },
    });
  });
}

// The outcome of a job is recorded in the name of whoever asked for it, with the job's id.
export function auditActor(context: JobContext) {
  return { actorType: "system", actorId: context.job.requestedBy ?? context.job.id } as const;
}
