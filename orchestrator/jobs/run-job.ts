// Runs one claimed job: its steps in order, each recorded in JobStep, skipping those a previous
// attempt finished. Every step is "inspect, then create if missing", so a step interrupted by a
// crash simply runs again. Transient errors send the job back to the queue with a growing delay;
// permanent ones, the overall deadline, or running out of time run the job's compensation and fail
// it with a reason the admin can read (secrets removed).
import type { PrismaClient, Tenant } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { redactSecrets } from "../secrets.ts";
import { retryDelayMs, type BackoffPolicy } from "./backoff.ts";
import { completeJob, failJob, renewLease, retryJobLater, type ClaimedJob } from "./job-store.ts";

export interface JobContext {
  job: ClaimedJob;
  tenant: Tenant;
  /** Aborts at the job's deadline, or when another worker took the job over. */
  signal: AbortSignal;
  /** Shows one line of progress on the tenant (status page, admin console). */
  progress(text: string): Promise<void>;
  /** Every secret value a step handles is registered here, so no error text can carry it. */
  registerSecret(value: string): void;
}

export interface StepDefinition {
  name: string;
  run(context: JobContext): Promise<void>;
}

export interface JobDefinition {
  steps: StepDefinition[];
  /** Undoes what the job created, after it failed for good. Must itself be idempotent. */
  compensate?(context: JobContext, reason: string): Promise<void>;
  /** Records the failure on the tenant (state, progress) after compensation. */
  markFailed?(context: JobContext, reason: string): Promise<void>;
}

export interface JobRunnerOptions {
  prisma: PrismaClient;
  clock: Clock;
  logger: OrchestratorLogger;
  workerId: string;
  leaseMs: number;
  /** A job not finished this long after its first start fails (default 5 minutes). */
  timeoutMs: number;
  backoff: BackoffPolicy;
  definitions: Record<string, JobDefinition>;
  /** Test hook for crash tests: awaited inside every step, after its work, before it is recorded. */
  afterStepWork?: (step: string) => Promise<void>;
}

class JobDeadlineError extends OrchestratorError {
  override name = "JobDeadlineError";
  constructor(timeoutMs: number) {
    super(`The job did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`, { transient: false });
  }
}

class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export async function runClaimedJob(options: JobRunnerOptions, job: ClaimedJob): Promise<void> {
  const { prisma, clock, logger, workerId } = options;
  const definition = options.definitions[job.kind];
  const secrets = new Set<string>();
  const redact = (text: string) => redactSecrets(text, secrets);

  const controller = new AbortController();
  const deadline = job.startedAt.getTime() + options.timeoutMs;
  const deadlineTimer = setTimeout(
    () => controller.abort(new JobDeadlineError(options.timeoutMs)),
    Math.max(0, deadline - clock.now().getTime()),
  );
  const heartbeat = setInterval(() => {
    renewLease(prisma, job.id, workerId, clock.now(), options.leaseMs)
      .then((stillOurs) => {
        if (!stillOurs) controller.abort(new LeaseLostError("another worker took this job over"));
      })
      .catch((error: unknown) => logger.warn("could not renew a job lease", { jobId: job.id, error }));
  }, Math.max(500, Math.floor(options.leaseMs / 3)));

  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: job.tenantId } });
  const context: JobContext = {
    job,
    tenant,
    signal: controller.signal,
    progress: async (text) => {
      await prisma.tenant.update({ where: { id: tenant.id }, data: { progress: text } });
    },
    registerSecret: (value) => void secrets.add(value),
  };

  try {
    if (!definition) throw new OrchestratorError(`No job definition for kind ${job.kind}.`, { transient: false });
    await runSteps(options, definition, context);
    await completeJob(prisma, job.id, workerId, clock.now());
    logger.info("job succeeded", { jobId: job.id, kind: job.kind, tenant: tenant.slug });
  } catch (caught) {
    const error = controller.signal.aborted ? controller.signal.reason : caught;
    if (error instanceof LeaseLostError) {
      logger.warn("job taken over by another worker; stopping here", { jobId: job.id });
      return;
    }
    const reason = redact(describe(error));
    const delay = retryDelayMs(job.attempts, options.backoff);
    const transient = error instanceof OrchestratorError && error.transient;
    if (transient && clock.now().getTime() + delay < deadline) {
      logger.warn("job step failed; retrying later", { jobId: job.id, kind: job.kind, reason, delayMs: delay });
      await retryJobLater(prisma, job.id, workerId, new Date(clock.now().getTime() + delay), reason);
      return;
    }
    logger.error("job failed", { jobId: job.id, kind: job.kind, tenant: tenant.slug, reason });
    // The compensation gets a fresh context: the job's own signal may already be aborted.
    const cleanup = { ...context, signal: new AbortController().signal };
    let finalReason = reason;
    try {
      await definition?.compensate?.(cleanup, reason);
    } catch (compensationError) {
      finalReason = `${reason} Cleaning up also failed: ${redact(describe(compensationError))}`;
      logger.error("job compensation failed", { jobId: job.id, reason: finalReason });
    }
    await definition?.markFailed?.(cleanup, finalReason);
    await failJob(prisma, job.id, workerId, clock.now(), finalReason);
  } finally {
    clearTimeout(deadlineTimer);
    clearInterval(heartbeat);
  }

  async function runSteps(opts: JobRunnerOptions, def: JobDefinition, ctx: JobContext) {
    await prisma.jobStep.createMany({
      data: def.steps.map((step, position) => ({ jobId: job.id, name: step.name, position })),
      skipDuplicates: true,
    });
    const done = new Set(
      (await prisma.jobStep.findMany({ where: { jobId: job.id, status: "succeeded" }, select: { name: true } })).map(
        (s) => s.name,
      ),
    );
    for (const step of def.steps) {
      if (done.has(step.name)) continue;
      ctx.signal.throwIfAborted();
      await prisma.jobStep.update({
        where: { jobId_name: { jobId: job.id, name: step.name } },
        data: { status: "running", startedAt: clock.now(), finishedAt: null, error: null, attempts: { increment: 1 } },
      });
      try {
        await step.run(ctx);
        await opts.afterStepWork?.(step.name);
        ctx.signal.throwIfAborted();
      } catch (caught) {
        const error = ctx.signal.aborted ? ctx.signal.reason : caught;
        await prisma.jobStep.update({
          where: { jobId_name: { jobId: job.id, name: step.name } },
          data: { status: "failed", finishedAt: clock.now(), error: redact(describe(error)) },
        });
        throw error;
      }
      await prisma.jobStep.update({
        where: { jobId_name: { jobId: job.id, name: step.name } },
        data: { status: "succeeded", finishedAt: clock.now() },
      });
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
