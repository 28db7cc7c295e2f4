// The steps of each lifecycle job. Each step asks the engine or the database what is already
// there before acting, so a job resumed after a crash, or retried, does no harm.
import type { TenantActualState } from "../../prisma/generated/client.ts";
import type { JobContext, JobDefinition, StepDefinition } from "../jobs/run-job.ts";
import { releasePorts } from "../ports.ts";
import { projectName, type LifecycleDeps } from "./context.ts";
import { createInitialUser } from "./initial-user.ts";
import { waitUntilReady } from "./readiness-wait.ts";
import { queueCredentialsEmail } from "./credentials-email.ts";
import { INITIAL_PASSWORD, INITIAL_PASSWORD_SPEC, initialPassword, replaceSecret, tenantSecretOnce, tenantStack } from "./tenant-stack.ts";
import { generateSecret } from "../templates/generate-secret.ts";

export function lifecycleDefinitions(deps: LifecycleDeps): Record<string, JobDefinition> {
  return {
    provision: provisionJob(deps),
    suspend: suspendJob(deps),
    resume: resumeJob(deps),
    restart: restartJob(deps),
    destroy: destroyJob(deps),
    resend_credentials: resendCredentialsJob(deps),
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
          await setState(deps, context, "provisioning", "Reserving ports and secrets");
          await tenantStack(deps, context);
          await initialPassword(deps, context);
        },
      },
      {
        name: "deploy",
        async run(context) {
          const { stack } = await tenantStack(deps, context);
          await context.progress("Creating the containers");
          await deps.driver.deploy(stack, { signal: context.signal });
        },
      },
      ...readiness.slice(0, splitAt).map((check) => readinessStep(check.id)),
      {
        name: "create-initial-user",
        async run(context) {
          const rendered = await tenantStack(deps, context);
          await context.progress("Creating your first user");
          await createInitialUser(deps, context, rendered.stack.project, rendered.initialUser, await initialPassword(deps, context));
        },
      },
      ...readiness.slice(splitAt).map((check) => readinessStep(check.id)),
      {
        name: "activate",
        async run(context) {
          const password = await initialPassword(deps, context);
          // Active, audited and the credentials email queued: all three or none.
          await deps.prisma.$transaction(async (tx) => {
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { actualState: "active", progress: null } });
            await tx.auditLog.create({
              data: { ...auditActor(context), action: "tenant.provisioned", tenantId: context.tenant.id, outcome: "succeeded" },
            });
            await queueCredentialsEmail(deps, tx, context, {
              idempotencyKey: `credentials:${context.tenant.id}`,
              password,
              resent: false,
            });
          });
        },
      },
    ],
    async compensate(context) {
      // A tenant that was active before (a returning customer) keeps its data volume.
      const wasActive = await deps.prisma.auditLog.count({
        where: { tenantId: context.tenant.id, action: "tenant.provisioned" },
      });
      await deps.driver.remove(projectName(context.tenant.slug), { removeVolumes: wasActive === 0 });
      await releasePorts(deps.prisma, context.tenant.id);
    },
    markFailed: (context, reason) => markFailed(deps, context, "tenant.provisioning_failed", reason),
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
          await setState(deps, context, "suspended", null, "tenant.suspended");
        },
      },
    ],
    markFailed: (context, reason) => markFailed(deps, context, "tenant.suspend_failed", reason, "keep"),
  };
}

function resumeJob(deps: LifecycleDeps): JobDefinition {
  return bringUpJob(deps, {
    step: "start",
    progress: "Starting the containers",
    stopFirst: false,
    action: "resumed",
    failure: "resume_failed",
  });
}

function restartJob(deps: LifecycleDeps): JobDefinition {
  return bringUpJob(deps, {
    step: "restart",
    progress: "Restarting the containers",
    stopFirst: true,
    action: "restarted",
    failure: "restart_failed",
  });
}

// Resume and restart: (stop, then) deploy, not just start, since deploy also recreates anything
// that went missing meanwhile; then the health checks, then active again.
function bringUpJob(
  deps: LifecycleDeps,
  how: { step: string; progress: string; stopFirst: boolean; action: string; failure: string },
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
      activateStep(deps, `tenant.${how.action}`),
    ],
    markFailed: (context, reason) => markFailed(deps, context, `tenant.${how.failure}`, reason),
  };
}

function destroyJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "remove",
        async run(context) {
          await setState(deps, context, "destroying", "Removing the containers, network and data");
          await deps.driver.remove(projectName(context.tenant.slug), { removeVolumes: true });
        },
      },
      {
        name: "release",
        async run(context) {
          await releasePorts(deps.prisma, context.tenant.id);
          await setState(deps, context, "destroyed", null, "tenant.destroyed");
        },
      },
    ],
    markFailed: (context, reason) => markFailed(deps, context, "tenant.destroy_failed", reason),
  };
}

// A new temporary password, set in the tenant's database (the old one stops working), then mailed.
// The new password is generated once per job (a secret named after the job), so a crash between
// the steps never mails a password other than the one set.
function resendCredentialsJob(deps: LifecycleDeps): JobDefinition {
  const newPassword = (context: JobContext) =>
    tenantSecretOnce(deps, context, `resend:${context.job.id}`, () => generateSecret(INITIAL_PASSWORD_SPEC));
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
          const password = await newPassword(context);
          await deps.prisma.$transaction(async (tx) => {
            await replaceSecret(deps, tx, context.tenant.id, INITIAL_PASSWORD, password);
            await tx.tenantSecret.deleteMany({ where: { tenantId: context.tenant.id, name: `resend:${context.job.id}` } });
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } });
            await tx.auditLog.create({
              data: { ...auditActor(context), action: "tenant.credentials_resent", tenantId: context.tenant.id, outcome: "succeeded" },
            });
            await queueCredentialsEmail(deps, tx, context, {
              idempotencyKey: `credentials:${context.tenant.id}:${context.job.id}`,
              password,
              resent: true,
            });
          });
        },
      },
    ],
    markFailed: (context, reason) => markFailed(deps, context, "tenant.resend_credentials_failed", reason, "keep"),
  };
}

function healthStep(deps: LifecycleDeps): StepDefinition {
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

function activateStep(deps: LifecycleDeps, action: string): StepDefinition {
  return { name: "activate", run: (context) => setState(deps, context, "active", null, action) };
}

async function setState(
  deps: LifecycleDeps,
  context: JobContext,
  state: TenantActualState,
  progress: string | null,
  auditAction?: string,
) {
  const update = deps.prisma.tenant.update({ where: { id: context.tenant.id }, data: { actualState: state, progress } });
  if (!auditAction) return void (await update);
  await deps.prisma.$transaction([
    update,
    deps.prisma.auditLog.create({
      data: { ...auditActor(context), action: auditAction, tenantId: context.tenant.id, outcome: "succeeded" },
    }),
  ]);
}

async function markFailed(
  deps: LifecycleDeps,
  context: JobContext,
  action: string,
  reason: string,
  state: TenantActualState | "keep" = "failed",
) {
  await deps.prisma.$transaction([
    deps.prisma.tenant.update({
      where: { id: context.tenant.id },
      data: { ...(state === "keep" ? {} : { actualState: state }), progress: reason.slice(0, 1000) },
    }),
    deps.prisma.auditLog.create({
      data: {
        ...auditActor(context),
        action,
        tenantId: context.tenant.id,
        outcome: "failed",
        details: { reason: reason.slice(0, 2000) },
      },
    }),
  ]);
}

// The outcome of a job is recorded in the name of whoever asked for it, with the job's id.
function auditActor(context: JobContext) {
  return { actorType: "system", actorId: context.job.requestedBy ?? context.job.id };
}
