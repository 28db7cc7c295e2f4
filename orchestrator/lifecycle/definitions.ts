// The steps of each lifecycle job. Each step asks the engine or the database what is already
// there before acting, so a job resumed after a crash, or retried, does no harm. The tenant's
// state, its audit entries and what is handed over (password, credentials email) are written
// through the job's lease (context.withLease): a runner whose job was taken over writes none.
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditAction } from "../audit/audit-log.ts";
import { OrchestratorError } from "../errors.ts";
import type { JobContext, JobDefinition, StepDefinition } from "../jobs/run-job.ts";
import { raiseNotification } from "../notify/alerts.ts";
import { releasePorts } from "../ports.ts";
import { projectName, type LifecycleDeps } from "./context.ts";
import { createInitialUser } from "./initial-user.ts";
import { repairJob } from "../reconcile/repair-job.ts";
import { terminateJob } from "./terminate.ts";
import { backupJob, restoreJob } from "../tenant-backup/jobs.ts";
import { upgradeJob } from "../upgrades/job.ts";
import { changePlanJob } from "../plans/change-plan-job.ts";
import { renderedAppImage } from "../upgrades/app-image.ts";
import { jobParameters } from "../tenant-backup/parameters.ts";
import { removeRouteAfterFailure, routeSteps } from "./tenant-route.ts";
import { waitUntilReady } from "./readiness-wait.ts";
import { queueCredentialsEmail } from "./credentials-email.ts";
import { auditActor, healthStep, markFailed, setState } from "./job-records.ts";
import { INITIAL_PASSWORD, jobPassword, jobPasswordName, replaceSecret, storedJobPassword, tenantStack } from "./tenant-stack.ts";

export function lifecycleDefinitions(deps: LifecycleDeps): Record<string, JobDefinition> {
  return {
    provision: provisionJob(deps),
    suspend: suspendJob(deps),
    resume: resumeJob(deps),
    restart: restartJob(deps),
    destroy: destroyJob(deps),
    resend_credentials: resendCredentialsJob(deps),
    terminate: terminateJob(deps),
    reconcile: repairJob(deps),
    backup: backupJob(deps),
    restore: restoreJob(deps),
    upgrade: upgradeJob(deps),
    change_plan: changePlanJob(deps),
  };
}

/** Step names of a provision job, in order (the status page lists them). */
export function provisionStepNames(deps: LifecycleDeps): string[] {
  return provisionJob(deps).steps.map((step) => step.name);
}

function provisionJob(deps: LifecycleDeps): JobDefinition {
  const { readiness, initialUser } = deps.template.manifest;
  const splitAt = readiness.findIndex((check) => check.id === initialUser.runAfter) + 1;
  const readinessStep = (id: string): StepDefinition => ({
    name: `ready:${id}`,
    async run(context) {
      const rendered = await tenantStack(deps, context);
      const check = rendered.readiness.find((c) => c.id === id)!;
      await context.progress(check.description);
      await waitUntilReady(deps, context, rendered.stack.project, check);
    },
  });
  return {
    steps: [
      {
        name: "reserve",
        async run(context) {
          await setState(context, "provisioning", "Reserving ports and secrets");
          await tenantStack(deps, context);
          await jobPassword(deps, context);
        },
      },
      {
        name: "deploy",
        async run(context) {
          const { stack } = await tenantStack(deps, context);
          await context.progress("Creating the containers");
          await deps.driver.deploy(stack, { signal: context.signal });
          // The image it runs, shown and changed by upgrades (issue 13).
          const appImage = renderedAppImage(deps.template, stack.services);
          if (appImage && context.tenant.appImage !== appImage) {
            await context.withLease((tx) => tx.tenant.update({ where: { id: context.tenant.id }, data: { appImage } }));
          }
        },
      },
      ...readiness.slice(0, splitAt).map((check) => readinessStep(check.id)),
      {
        name: "create-initial-user",
        async run(context) {
          const rendered = await tenantStack(deps, context);
          await context.progress("Creating your first user");
          await createInitialUser(deps, context, rendered.stack.project, rendered.initialUser, await jobPassword(deps, context));
        },
      },
      ...readiness.slice(splitAt).map((check) => readinessStep(check.id)),
      ...routeSteps(deps, "app"),
      {
        name: "activate",
        async run(context) {
          // Active, audited, the job's password stored as the tenant's and the credentials email
          // queued: all or none. A tenant provisioned before (a returning customer, a retry after
          // an active phase) is told its login changed: its former password no longer works.
          await handOverJobPassword(deps, context, async (tx) => {
            const provisionedBefore = await tx.auditLog.count({ where: { tenantId: context.tenant.id, action: "tenant.provisioned" } });
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { actualState: "active", progress: null } });
            await writeAudit(tx, { ...auditActor(context), action: "tenant.provisioned", tenantId: context.tenant.id, outcome: "succeeded" });
            return { resent: provisionedBefore > 0 };
          });
        },
      },
    ],
    async compensate(context) {
      // A tenant that was active before (a returning customer) keeps its data volume.
      const wasActive = await deps.prisma.auditLog.count({
        where: { tenantId: context.tenant.id, action: "tenant.provisioned" },
      });
      // No route left to an app that goes (Caddy down: logged, the reconciler removes it).
      await removeRouteAfterFailure(deps, context.tenant);
      await deps.driver.remove(projectName(context.tenant.slug), { removeVolumes: wasActive === 0 });
      await context.withLease(async (tx) => {
        await releasePorts(tx, context.tenant.id);
        // The job's password was never mailed; the next job draws its own.
        await tx.tenantSecret.deleteMany({ where: { tenantId: context.tenant.id, name: jobPasswordName(context) } });
      });
    },
    // The operators hear of it at once (alert.provisioning_failed, once per job).
    markFailed: (context, reason) =>
      markFailed(context, "tenant.provisioning_failed", reason, "failed", (tx) =>
        raiseNotification(tx, {
          idempotencyKey: `alert.provisioning_failed:${context.job.id}`,
          kind: "alert.provisioning_failed",
          severity: "critical",
          title: `Provisioning failed for tenant ${context.tenant.slug}`,
          fields: { tenant: context.tenant.slug, tenantId: context.tenant.id, jobId: context.job.id, reason: reason.slice(0, 500) },
        }),
      ),
  };
}

function suspendJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "stop",
        async run(context) {
          await context.progress("Stopping the containers");
          await deps.driver.stop(projectName(context.tenant.slug));
          await setState(context, "suspended", null, "tenant.suspended");
        },
      },
      ...routeSteps(deps, "suspended"),
    ],
    markFailed: (context, reason) => markFailed(context, "tenant.suspend_failed", reason, "keep"),
  };
}

function resumeJob(deps: LifecycleDeps): JobDefinition {
  return bringUpJob(deps, {
    step: "start",
    progress: "Starting the containers",
    stopFirst: false,
    action: "tenant.resumed",
    failure: "tenant.resume_failed",
  });
}

function restartJob(deps: LifecycleDeps): JobDefinition {
  return bringUpJob(deps, {
    step: "restart",
    progress: "Restarting the containers",
    stopFirst: true,
    action: "tenant.restarted",
    failure: "tenant.restart_failed",
  });
}

// Resume and restart: (stop, then) deploy, not just start, since deploy also recreates anything
// that went missing meanwhile; then the health checks, then active again.
function bringUpJob(
  deps: LifecycleDeps,
  how: { step: string; progress: string; stopFirst: boolean; action: AuditAction; failure: AuditAction },
): JobDefinition {
  return {
    steps: [
      {
        name: how.step,
        async run(context) {
          const { stack } = await tenantStack(deps, context);
          await context.progress(how.progress);
          if (how.stopFirst) await deps.driver.stop(stack.project);
          await deps.driver.deploy(stack, { signal: context.signal });
        },
      },
      healthStep(deps),
      ...routeSteps(deps, "app"),
      activateStep(deps, how.action),
    ],
    markFailed: (context, reason) => markFailed(context, how.failure, reason),
  };
}

// Destroy leaves nothing of the tenant but its records: the stack and its data volume go, then,
// in one transaction, its port leases (free for others), its secrets (database password, app key,
// temporary password), and its subscription ends (canceled). Every part is "remove if present", so
// a destroy that failed halfway is simply run again (the console's "retry destruction").
function destroyJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      ...routeSteps(deps, "none"),
      {
        name: "remove",
        async run(context) {
          await setState(context, "destroying", "Removing the containers, network and data");
          await deps.driver.remove(projectName(context.tenant.slug), { removeVolumes: true });
        },
      },
      {
        name: "release",
        async run(context) {
          const tenantId = context.tenant.id;
          await context.withLease(async (tx) => {
            const { subscriptionId } = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { subscriptionId: true } });
            await tx.portLease.deleteMany({ where: { tenantId } });
            await tx.tenantSecret.deleteMany({ where: { tenantId } });
            if (subscriptionId) {
              await tx.subscription.updateMany({ where: { id: subscriptionId, status: { not: "canceled" } }, data: { status: "canceled" } });
            }
            await tx.tenant.update({ where: { id: tenantId }, data: { actualState: "destroyed", progress: null } });
            await writeAudit(tx, { ...auditActor(context), action: "tenant.destroyed", tenantId, outcome: "succeeded" });
          });
        },
      },
    ],
    markFailed: (context, reason) => markFailed(context, "tenant.destroy_failed", reason),
  };
}

// A new temporary password, set in the tenant's database (the old one stops working), then mailed.
// The new password is generated once per job (a secret named after the job), so a crash between
// the steps never mails a password other than the one set.
function resendCredentialsJob(deps: LifecycleDeps): JobDefinition {
  const newPassword = (context: JobContext) => jobPassword(deps, context);
  return {
    steps: [
      {
        name: "set-password",
        async run(context) {
          const rendered = await tenantStack(deps, context);
          await context.progress("Setting a new temporary password");
          await createInitialUser(deps, context, rendered.stack.project, rendered.initialUser, await newPassword(context));
        },
      },
      {
        name: "send",
        async run(context) {
          await handOverJobPassword(deps, context, async (tx) => {
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } });
            await writeAudit(tx, { ...auditActor(context), action: "tenant.credentials_resent", tenantId: context.tenant.id, outcome: "succeeded" });
            return { resent: true };
          });
        },
      },
    ],
    markFailed: (context, reason) => markFailed(context, "tenant.resend_credentials_failed", reason, "keep"),
  };
}

/**
 * In one fenced transaction: the job's password becomes the tenant's, its copy under the job's name
 * is deleted, `record` writes the step's own state and audit entry, and the credentials email is
 * queued under a key of the job. A re-run after that commit finds the password gone and checks the
 * hand-over happened instead of drawing a new one.
 */
async function handOverJobPassword(
  deps: LifecycleDeps,
  context: JobContext,
  record: (tx: Prisma.TransactionClient) => Promise<{ resent: boolean }>,
) {
  const idempotencyKey = `credentials:${context.tenant.id}:${context.job.id}`;
  await context.withLease(async (tx) => {
    const password = await storedJobPassword(deps, tx, context);
    if (password === null) {
      if ((await jobParameters(tx, context.job.id))["copyOf"] !== undefined) return;
      return assertHandedOver(tx, idempotencyKey);
    }
    await replaceSecret(deps, tx, context.tenant.id, INITIAL_PASSWORD, password);
    await tx.tenantSecret.deleteMany({ where: { tenantId: context.tenant.id, name: jobPasswordName(context) } });
    const { resent } = await record(tx);
    // A copy made by a restore into a new tenant (issue 13) gets the backup's users: no email.
    if ((await jobParameters(tx, context.job.id))["copyOf"] !== undefined) return;
    await queueCredentialsEmail(deps, tx, context, { idempotencyKey, password, resent });
  });
}

/**
 * The job's password is gone: an earlier run of this step handed it over (stored it as the
 * tenant's, queued its email) and the worker died before recording the step. Nothing to do then;
 * without that email something else deleted it, and mailing a password never set would lock the
 * customer out.
 */
async function assertHandedOver(tx: Prisma.TransactionClient, idempotencyKey: string): Promise<void> {
  if ((await tx.emailOutbox.count({ where: { idempotencyKey } })) > 0) return;
  throw new OrchestratorError("This job's temporary password is missing, so it cannot be mailed. Run the job again (retry or resend credentials).", {
    transient: false,
  });
}


function activateStep(deps: LifecycleDeps, action: AuditAction): StepDefinition {
  return { name: "activate", run: (context) => setState(context, "active", null, action) };
}



