// Graceful shutdown on SIGTERM (or SIGINT), shared by the portal (app/server.ts) and the standalone
// worker (app/worker.ts). Everything stops claiming at once; then, side by side, the HTTP server
// stops accepting, finishes its running requests and closes idle keep-alive connections, and the
// background loops let their work in flight end: a job finishes its current step and is released
// to the queue (orchestrator/jobs/run-job.ts), a scheduled run finishes or is released, a message
// being sent is recorded. Work still running at WORK_DEADLINE_MS is abandoned: the process does not
// wait for it, and its lease is left to expire (see the README's "Stopping" section for why). Then
// the database is closed and the process exits 0; a hard timer exits 1 if anything hangs, always
// within 30 s of the signal. One log line per phase, never a secret.
import type { Server } from "node:http";
import type { MailSender, NotificationSender, Scheduler, Worker } from "../orchestrator/index.ts";
import type { Logger } from "./logger.server";

/** Requests still running this long after the signal have their connections closed. */
export const HTTP_DEADLINE_MS = 10_000;
/** A step, scheduled run or send still running this long after the signal is abandoned. */
export const WORK_DEADLINE_MS = 20_000;
/** The last resort: the process exits (code 1) this long after the signal, whatever is left. */
export const HARD_DEADLINE_MS = 28_000;

/** A background loop: `stop` claims nothing more and resolves once its work in flight has ended. */
export interface BackgroundLoop {
  name: string;
  stop(): Promise<void>;
  /** What is still running, for the log line when the deadline passes. */
  describe?(): Record<string, unknown>;
}

/** The orchestrator's loops this process started (null: not started here). */
export function backgroundLoops(started: {
  worker: Worker | null;
  mailSender: MailSender | null;
  notificationSender: NotificationSender | null;
  scheduler: Scheduler | null;
}): BackgroundLoop[] {
  const { worker, mailSender, notificationSender, scheduler } = started;
  const loops: (BackgroundLoop | null)[] = [
    worker && { name: "provisioning worker", stop: () => worker.stop(), describe: () => ({ jobsRunning: worker.runningJobs }) },
    scheduler && { name: "scheduler", stop: () => scheduler.stop() },
    mailSender && { name: "mail sender", stop: () => mailSender.stop() },
    notificationSender && { name: "notification sender", stop: () => notificationSender.stop() },
  ];
  return loops.filter((loop): loop is BackgroundLoop => loop !== null);
}

export interface ShutdownPlan {
  logger: Logger;
  http?: Server;
  loops: BackgroundLoop[];
  closeDatabase(): Promise<void>;
  /** Replaced in tests only; process.exit otherwise. */
  exit?: (code: number) => void;
  /** Replaced in tests only: the three deadlines above, in ms after the signal. */
  deadlines?: { httpMs: number; workMs: number; hardMs: number };
}

/** Stops everything once, on the first SIGTERM or SIGINT. */
export function stopGracefullyOnSignals(plan: ShutdownPlan): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    void shutDown(plan, signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

export async function shutDown(plan: ShutdownPlan, signal: string): Promise<void> {
  const { logger } = plan;
  const exit = plan.exit ?? ((code: number) => process.exit(code));
  const deadlines = plan.deadlines ?? { httpMs: HTTP_DEADLINE_MS, workMs: WORK_DEADLINE_MS, hardMs: HARD_DEADLINE_MS };
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const hardTimer = setTimeout(() => {
    logger.error("shutdown: still not finished; exiting now without waiting any longer", {
      afterMs: elapsed(),
      hint: "something did not end in time (a request, a step or the database); the next start carries on from the database",
    });
    exit(1);
  }, deadlines.hardMs);
  hardTimer.unref();

  logger.info("shutdown: stopping; no new job, scheduled run or email is claimed from now on", { signal });
  const work = Promise.all(plan.loops.map((loop) => stopLoop(loop, deadlines.workMs, logger, elapsed)));
  const http = plan.http ? drainHttp(plan.http, deadlines.httpMs, logger, elapsed) : Promise.resolve();
  await Promise.all([work, http]);

  try {
    await plan.closeDatabase();
    logger.info("shutdown: database closed", { afterMs: elapsed() });
  } catch (error) {
    logger.error("shutdown: the database did not close cleanly", { error });
  }
  clearTimeout(hardTimer);
  logger.info("shutdown: done", { afterMs: elapsed() });
  exit(0);
}

async function stopLoop(loop: BackgroundLoop, workMs: number, logger: Logger, elapsed: () => number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"abandoned">((resolve) => {
    timer = setTimeout(() => resolve("abandoned"), Math.max(0, workMs - elapsed()));
  });
  const stopped = loop.stop().then(
    () => "stopped" as const,
    (error: unknown) => {
      logger.error(`shutdown: the ${loop.name} did not stop cleanly`, { error });
      return "stopped" as const;
    },
  );
  const result = await Promise.race([stopped, deadline]);
  clearTimeout(timer);
  if (result === "stopped") {
    logger.info(`shutdown: ${loop.name} stopped`, { afterMs: elapsed() });
  } else {
    logger.warn(`shutdown: ${loop.name} abandoned its work in flight; its lease expires and another process takes it over`, {
      afterMs: elapsed(),
      ...loop.describe?.(),
    });
  }
}

/** Stops accepting, closes idle keep-alive connections, waits for running requests (bounded). */
function drainHttp(server: Server, httpMs: number, logger: Logger, elapsed: () => number): Promise<void> {
  return new Promise((resolve) => {
    const forceTimer = setTimeout(() => {
      logger.warn("shutdown: requests still running; closing their connections", { afterMs: elapsed() });
      server.closeAllConnections();
    }, httpMs);
    server.close(() => {
      clearTimeout(forceTimer);
      logger.info("shutdown: HTTP server closed (running requests finished)", { afterMs: elapsed() });
      resolve();
    });
    server.closeIdleConnections();
  });
}
