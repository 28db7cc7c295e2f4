// Runs one claimed job: its steps in order, each recorded in JobStep, skipping those a previous
// attempt finished. Every step is "inspect, then create if missing", so a step interrupted by a
// crash simply runs again. Transient errors send the job back to the queue with a growing delay;
// permanent ones, the overall deadline, or running out of time run the job's compensation and fail
// it with a reason the admin can read (secrets removed).
//
// The claim's fencing token guards every write of the runner (lease renewals, step rows, progress,
// the outcome), and the runner checks it holds the lease right before it compensates and before it
// marks the tenant failed: a runner whose job was taken over (it stalled past its lease) stops
// without touching anything. The heartbeat and the deadline timer stop whenever the runner ends.
// A step still running at the deadline is waited for: compensation never starts while a step's
// promise is pending. Time the job waited in the queue for an unreachable engine does not count
// against its deadline (engineWaitMs, see job-store.ts).
//
// Shutdown: once `stopping` is aborted (the process got SIGTERM), the runner starts no new step:
// the step in flight finishes and is recorded, then the job is released (releaseJob: queued, due
// now, its claim not counted) for the next process to carry on from the next step.
import type { Prisma, PrismaClient, Tenant } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { isEngineUnreachable, OrchestratorError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { notifyObserver, type JobRunOutcome, type OrchestratorObserver } from "../observer.ts";
import { redactSecrets } from "../secrets.ts";
import { retryDelayMs, type BackoffPolicy } from "./backoff.ts";
import { startHeartbeat } from "./heartbeat.ts";
import {
  completeJob,
  failJob,
  leaseOf,
  LeaseLostError,
  renewLease,
  releaseJob,
  retryJobLater,
  withLease,
  type ClaimedJob,
} from "./job-store.ts";

export interface JobContext {
  job: ClaimedJob;
  tenant: Tenant;
  /** Aborts at the job's deadline, or when another worker took the job over. */
  signal: AbortSignal;
  /** Shows one line of progress on the tenant (status page, admin console). */
  progress(text: string): Promise<void>;
  /** Every secret value a step handles is registered here, so no error text can carry it. */
  registerSecret(value: string): void;
  /**
   * A transaction that commits only while this runner still holds the job's lease (LeaseLostError
   * otherwise): database writes of a step made through it cannot land after a takeover.
   */
  withLease<T>(write: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T>;
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
  /** How often the lease is renewed while the job runs (default: a third of leaseMs). */
  heartbeatMs?: number;
  /** A job not finished this long after its first start fails (default 5 minutes). */
  timeoutMs: number;
  backoff: BackoffPolicy;
  definitions: Record<string, JobDefinition>;
  /** Test hook for crash tests: awaited inside every step, after its work, before it is recorded. */
  afterStepWork?: (step: string) => Promise<void>;
  /** Told how each run and step ended (the portal's metrics). */
  observer?: OrchestratorObserver;
  /** Aborted when the process shuts down: no new step starts, the job is released instead. */
  stopping?: AbortSignal;
}

/** Thrown at a step boundary once the process is shutting down: the job is released, not failed. */
class ReleasedForShutdown extends Error {
  override name = "ReleasedForShutdown";
}

class JobDeadlineError extends OrchestratorError {
  override name = "JobDeadlineError";
  constructor(timeoutMs: number) {
    super(`The job did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`, { transient: false });
  }
}

export async function runClaimedJob(options: JobRunnerOptions, job: ClaimedJob): Promise<void> {
  const { prisma, clock, logger } = options;
  const lease = leaseOf(job);
  const runStarted = performance.now();
  // How this run ended, for the observer (null: it threw, e.g. the database went away).
  let outcome: JobRunOutcome | null = null;
  const secrets = new Set<string>();
  const redact = (text: string) => redactSecrets(text, secrets);
  const controller = new AbortController();
  const deadline = job.startedAt.getTime() + options.timeoutMs + job.engineWaitMs;
  const deadlineTimer = setTimeout(
    () => controller.abort(new JobDeadlineError(options.timeoutMs)),
    Math.max(0, deadline - clock.now().getTime()),
  );
  const heartbeat = startHeartbeat(options.heartbeatMs ?? Math.max(500, Math.floor(options.leaseMs / 3)), async () => {
    try {
      if (!(await renewLease(prisma, lease, clock.now(), options.leaseMs))) controller.abort(new LeaseLostError(job.id));
    } catch (error) {
      logger.warn("could not renew a job lease", { jobId: job.id, error });
    }
  });
  const takenOver = (where: string) => {
    outcome = "taken_over";
    logger.warn(`job taken over by another worker (${where}); this runner stops without writing`, { jobId: job.id });
  };

  try {
    let tenant: Tenant;
    try {
      tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: job.tenantId } });
    } catch (error) {
      // No step ran: the job goes back to the queue (or, if even that fails, its lease expires).
      const reason = `Could not read the job's tenant from the database: ${describe(error)}`;
      logger.error("a job could not start; it goes back to the queue", { jobId: job.id, reason });
      const runAfter = new Date(clock.now().getTime() + retryDelayMs(job.attempts, options.backoff));
      outcome = "retried";
      await retryJobLater(prisma, lease, runAfter, reason).catch((retryError: unknown) =>
        logger.warn("could not put the job back in the queue; another worker takes it over once its lease expires", {
          jobId: job.id,
          error: retryError,
        }),
      );
      return;
    }
    const context: JobContext = {
      job,
      tenant,
      signal: controller.signal,
      progress: async (text) => {
        await withLease(prisma, lease, (tx) => tx.tenant.update({ where: { id: tenant.id }, data: { progress: text } }));
      },
      registerSecret: (value) => void secrets.add(value),
      withLease: (write) => withLease(prisma, lease, write),
    };
    await runAndSettle(tenant, context);
  } finally {
    clearTimeout(deadlineTimer);
    heartbeat.stop();
    if (outcome) notifyObserver(options.observer, logger, "jobFinished", job.kind, outcome, performance.now() - runStarted);
  }

  async function runAndSettle(tenant: Tenant, context: JobContext) {
    const definition = options.definitions[job.kind];
    try {
      if (!definition) throw new OrchestratorError(`No job definition for kind ${job.kind}.`, { transient: false });
      await runSteps(definition, context);
      if (await completeJob(prisma, lease, clock.now())) {
        outcome = "succeeded";
        logger.info("job succeeded", { jobId: job.id, kind: job.kind, tenant: tenant.slug });
      } else {
        takenOver("at completion");
      }
      return;
    } catch (caught) {
      // An unreachable engine is reported as such even when the deadline fired meanwhile: the job
      // then waits for the engine instead of failing (and compensating) while nothing answers.
      const error =
        caught instanceof LeaseLostError || isEngineUnreachable(caught) || !controller.signal.aborted
          ? caught
          : controller.signal.reason;
      if (error instanceof LeaseLostError) return takenOver("while running");
      if (error instanceof ReleasedForShutdown) {
        if (await releaseJob(prisma, lease, clock.now())) {
          outcome = "released";
          logger.info("job released for the next process (shutting down)", { jobId: job.id, kind: job.kind, tenant: tenant.slug, nextStep: error.message });
        } else {
          takenOver("when releasing");
        }
        return;
      }
      const reason = redact(describe(error));
      const delay = retryDelayMs(job.attempts, options.backoff);
      const transient = error instanceof OrchestratorError && error.transient;
      const engineLost = isEngineUnreachable(error);
      if (transient && (engineLost || clock.now().getTime() + delay < deadline)) {
        logger.warn("job step failed; retrying later", { jobId: job.id, kind: job.kind, reason, delayMs: delay });
        const now = clock.now();
        const requeued = await retryJobLater(prisma, lease, new Date(now.getTime() + delay), reason, engineLost ? now : null);
        if (requeued) outcome = "retried";
        else takenOver("when requeuing");
        return;
      }
      await failForGood(definition, context, reason);
    }
  }

  /** Compensation and markFailed, each run only after checking (and renewing) the lease. */
  async function failForGood(definition: JobDefinition | undefined, context: JobContext, reason: string) {
    if (!(await stillHolds())) return takenOver("before compensating");
    logger.error("job failed", { jobId: job.id, kind: job.kind, tenant: context.tenant.slug, reason });
    // The compensation gets a fresh signal: the job's own may already be aborted.
    const cleanup = { ...context, signal: new AbortController().signal };
    let finalReason = reason;
    try {
      await definition?.compensate?.(cleanup, reason);
    } catch (compensationError) {
      if (compensationError instanceof LeaseLostError) return takenOver("while compensating");
      finalReason = `${reason} Cleaning up also failed: ${redact(describe(compensationError))}`;
      logger.error("job compensation failed", { jobId: job.id, reason: finalReason });
    }
    if (!(await stillHolds())) return takenOver("before marking the tenant failed");
    try {
      await definition?.markFailed?.(cleanup, finalReason);
    } catch (markError) {
      // markFailed writes through withLease: a takeover since the check above writes nothing.
      if (markError instanceof LeaseLostError) return takenOver("while marking the tenant failed");
      throw markError;
    }
    if (await failJob(prisma, lease, clock.now(), finalReason)) outcome = "failed";
    else takenOver("when recording the failure");
  }

  /** Renews the lease with the token: true only while no other claim took the job over. */
  async function stillHolds(): Promise<boolean> {
    try {
      return await renewLease(prisma, lease, clock.now(), options.leaseMs);
    } catch (error) {
      // Not knowing is not holding: the lease expires and whoever takes the job over cleans up.
      logger.warn("could not check the job's lease; leaving the cleanup to the next claim", { jobId: job.id, error });
      return false;
    }
  }

  async function runSteps(def: JobDefinition, ctx: JobContext) {
    const step = (name: string) => ({ jobId_name: { jobId: job.id, name } });
    const done = await withLease(prisma, lease, async (tx) => {
      await tx.jobStep.createMany({
        data: def.steps.map((s, position) => ({ jobId: job.id, name: s.name, position })),
        skipDuplicates: true,
      });
      const finished = await tx.jobStep.findMany({ where: { jobId: job.id, status: "succeeded" }, select: { name: true } });
      return new Set(finished.map((s) => s.name));
    });
    for (const current of def.steps) {
      if (done.has(current.name)) continue;
      ctx.signal.throwIfAborted();
      if (options.stopping?.aborted) throw new ReleasedForShutdown(current.name);
      const stepStarted = performance.now();
      await withLease(prisma, lease, (tx) =>
        tx.jobStep.update({
          where: step(current.name),
          data: { status: "running", startedAt: clock.now(), finishedAt: null, error: null, attempts: { increment: 1 } },
        }),
      );
      try {
        await settled(current.name, current.run(ctx));
        await options.afterStepWork?.(current.name);
        ctx.signal.throwIfAborted();
      } catch (caught) {
        if (caught instanceof LeaseLostError) throw caught;
        const error = ctx.signal.aborted && !isEngineUnreachable(caught) ? ctx.signal.reason : caught;
        if (error instanceof LeaseLostError) throw error;
        await withLease(prisma, lease, (tx) =>
          tx.jobStep.update({
            where: step(current.name),
            data: { status: "failed", finishedAt: clock.now(), error: redact(describe(error)) },
          }),
        );
        notifyObserver(options.observer, logger, "stepFinished", job.kind, current.name, "failed", performance.now() - stepStarted);
        throw error;
      }
      await withLease(prisma, lease, (tx) =>
        tx.jobStep.update({ where: step(current.name), data: { status: "succeeded", finishedAt: clock.now() } }),
      );
      notifyObserver(options.observer, logger, "stepFinished", job.kind, current.name, "succeeded", performance.now() - stepStarted);
    }
  }

  /**
   * Waits for a step's promise whatever happens: a step that ignores the abort signal (an engine
   * call that cannot be cancelled) is waited for, so nothing is compensated while it still acts.
   */
  async function settled(name: string, work: Promise<void>): Promise<void> {
    const onAbort = () => {
      if (!(controller.signal.reason instanceof LeaseLostError)) {
        logger.warn("the job's deadline passed; waiting for the step in flight to finish before cleaning up", {
          jobId: job.id,
          step: name,
        });
      }
    };
    controller.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await work;
    } finally {
      controller.signal.removeEventListener("abort", onAbort);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
