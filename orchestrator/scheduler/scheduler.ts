// The scheduler: runs each periodic task once per period, however many portal and worker
// processes run it, its state in the database (ScheduledRun, run-store.ts), never in a timer
// alone. Every poll it looks at each task's current period and claims the run if no one has; a
// claimed run renews its lease while it works. A run that throws is tried again (up to
// maxAttempts, with growing delays) and, when it gives up, reported through onRunFailed (the
// operators' alert). `runDueTasks` does one pass as of a given time: `npm run tasks -- run-due`.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { startHeartbeat } from "../jobs/heartbeat.ts";
import { idleTimer } from "../jobs/idle-timer.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { notifyObserver, type OrchestratorObserver } from "../observer.ts";
import { claimRun, finishRun, releaseRun, renewRun, runSettled, type ClaimedRun } from "./run-store.ts";
import type { ScheduledTask, TaskSummary } from "./task.ts";

export interface SchedulerOptions {
  prisma: PrismaClient;
  clock: Clock;
  logger: OrchestratorLogger;
  tasks: readonly ScheduledTask[];
  /** How often each task's current period is looked at (default 15 s). */
  pollIntervalMs?: number;
  /** A crashed runner's run is taken over this long after its last renewal (default 2 minutes). */
  leaseMs?: number;
  /** Runs of one period tried before giving up until the next period (default 3). */
  maxAttempts?: number;
  /** Delay before trying a failed run again (default 1 minute, doubling). */
  retryDelayMs?: (attempts: number) => number;
  /** A run gave up (its last attempt failed): tell the operators. Its own errors are logged. */
  onRunFailed?: (failure: RunFailure) => Promise<void>;
  /** Told how each run this process claimed ended (the portal's metrics). */
  observer?: OrchestratorObserver;
}

export interface RunFailure {
  task: string;
  periodKey: string;
  asOf: Date;
  attempts: number;
  error: string;
}

export type RunReport =
  | { task: string; periodKey: string; outcome: "succeeded"; summary: TaskSummary }
  | { task: string; periodKey: string; outcome: "failed"; error: string; willRetry: boolean }
  /** Another process holds it, or it is done for this period. */
  | { task: string; periodKey: string; outcome: "skipped" };

export interface Scheduler {
  readonly id: string;
  /**
   * Claims nothing more and tells the running tasks to stop: a task that ends anyway is recorded,
   * one that stops on the signal has its run released (claimable again at once, its attempt not
   * counted). Resolves once they have ended.
   */
  stop(): Promise<void>;
  /** Looks at the tasks now instead of at the next poll. */
  wake(): void;
}

const defaults = {
  pollIntervalMs: 15_000,
  leaseMs: 120_000,
  maxAttempts: 3,
  retryDelayMs: (attempts: number) => Math.min(60_000 * 2 ** (attempts - 1), 30 * 60_000),
};

export function startScheduler(options: SchedulerOptions): Scheduler {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const pollIntervalMs = options.pollIntervalMs ?? defaults.pollIntervalMs;
  const stopping = new AbortController();
  const timer = idleTimer();
  const running = new Map<string, Promise<unknown>>();
  // Periods known to be over for this process: not asked about again.
  const settled = new Set<string>();

  const launch = (task: ScheduledTask, periodKey: string, asOf: Date) => {
    const run = runTaskOnce(options, id, task, periodKey, asOf, stopping.signal)
      .then((report) => {
        if (report.outcome === "skipped" || report.outcome === "succeeded" || !report.willRetry) settled.add(`${task.name}@${periodKey}`);
        // A skipped run may be one another process still works on: ask again next poll unless done.
        if (report.outcome === "skipped") return forgetUnlessSettled(task.name, periodKey);
      })
      .catch((error: unknown) => options.logger.error("the scheduler could not run a task", { task: task.name, error }))
      .finally(() => running.delete(task.name));
    running.set(task.name, run);
  };
  const forgetUnlessSettled = async (task: string, periodKey: string) => {
    if (!(await runSettled(options.prisma, task, periodKey))) settled.delete(`${task}@${periodKey}`);
  };

  const loop = async () => {
    const started = options.clock.now();
    for (const task of options.tasks) {
      if (task.runAtStart) launch(task, `start:${id}`, started);
    }
    while (!stopping.signal.aborted) {
      const now = options.clock.now();
      for (const task of options.tasks) {
        const periodKey = task.period.startOf(now).toISOString();
        if (running.has(task.name) || settled.has(`${task.name}@${periodKey}`)) continue;
        launch(task, periodKey, now);
      }
      await timer.idle(pollIntervalMs);
    }
  };

  const done = loop();
  options.logger.info("scheduler started", { schedulerId: id, tasks: options.tasks.map((t) => t.name).join(", ") });
  return {
    id,
    wake: () => timer.wake(),
    async stop() {
      stopping.abort(new Error("the scheduler is stopping"));
      timer.wake();
      await done;
      await Promise.allSettled(running.values());
    },
  };
}

/**
 * One pass as of `asOf`: every task's run for the period holding `asOf`, one after the other,
 * each claimed as the scheduler claims it (a period already done, or held by a running
 * scheduler, is skipped). For `npm run tasks -- run-due [--at]`.
 */
export async function runDueTasks(options: SchedulerOptions, asOf: Date, owner = `${hostname()}:${process.pid}:run-due`): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const task of options.tasks) {
    reports.push(await runTaskOnce(options, owner, task, task.period.startOf(asOf).toISOString(), asOf, new AbortController().signal));
  }
  return reports;
}

async function runTaskOnce(
  options: SchedulerOptions,
  owner: string,
  task: ScheduledTask,
  periodKey: string,
  asOf: Date,
  stopSignal: AbortSignal,
): Promise<RunReport> {
  const leaseMs = options.leaseMs ?? defaults.leaseMs;
  const { prisma, clock, logger } = options;
  const run = await claimRun(prisma, { task: task.name, periodKey, asOf, now: clock.now(), owner, leaseMs });
  if (!run) return { task: task.name, periodKey, outcome: "skipped" };

  const lost = new AbortController();
  const signal = AbortSignal.any([stopSignal, lost.signal]);
  const heartbeat = startHeartbeat(Math.max(500, Math.floor(leaseMs / 3)), async () => {
    try {
      if (!(await renewRun(prisma, run, clock.now(), leaseMs))) lost.abort(new Error("another scheduler took this run over"));
    } catch (error) {
      logger.warn("the scheduler could not renew a run's lease", { task: task.name, error });
    }
  });
  const periodStart = periodKey.startsWith("start:") ? asOf : new Date(periodKey);
  try {
    const summary = await task.run({ asOf, periodStart, runId: run.id, signal, logger });
    heartbeat.stop();
    if (await finishRun(prisma, run, clock.now(), { status: "succeeded", summary })) {
      logger.info("scheduled task done", { task: task.name, period: periodKey, ...summary });
    }
    notifyObserver(options.observer, logger, "scheduledRun", task.name, "succeeded");
    return { task: task.name, periodKey, outcome: "succeeded", summary };
  } catch (error) {
    heartbeat.stop();
    if (stopSignal.aborted && !lost.signal.aborted) {
      if (await releaseRun(prisma, run, clock.now())) logger.info("scheduled run released for the next process (shutting down)", { task: task.name, period: periodKey });
      return { task: task.name, periodKey, outcome: "skipped" };
    }
    return await recordFailure(options, task, run, periodKey, asOf, error);
  }
}

async function recordFailure(
  options: SchedulerOptions,
  task: ScheduledTask,
  run: ClaimedRun,
  periodKey: string,
  asOf: Date,
  error: unknown,
): Promise<RunReport> {
  const { prisma, clock, logger } = options;
  const message = error instanceof Error ? error.message : String(error);
  const willRetry = run.attempts < (options.maxAttempts ?? defaults.maxAttempts);
  const retryAt = willRetry ? new Date(clock.now().getTime() + (options.retryDelayMs ?? defaults.retryDelayMs)(run.attempts)) : null;
  const recorded = await finishRun(prisma, run, clock.now(), { status: "failed", error: message, retryAt });
  notifyObserver(options.observer, logger, "scheduledRun", task.name, "failed");
  logger.error(willRetry ? "a scheduled task failed; it will be tried again" : "a scheduled task failed and gives up until its next period", {
    task: task.name,
    period: periodKey,
    attempt: run.attempts,
    error,
    ...(retryAt ? { retryAt: retryAt.toISOString() } : {}),
  });
  if (recorded && !willRetry && options.onRunFailed) {
    await options
      .onRunFailed({ task: task.name, periodKey, asOf, attempts: run.attempts, error: message })
      .catch((alertError: unknown) => logger.error("the failure of a scheduled task could not be reported", { task: task.name, error: alertError }));
  }
  return { task: task.name, periodKey, outcome: "failed", error: message, willRetry };
}
