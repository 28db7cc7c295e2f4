// What the orchestrator tells an observer as work ends: each job run, each step, each scheduled
// run, with bounded values only (job kinds, step and task names from our own definitions). The
// portal turns these into Prometheus metrics (app/metrics/); the orchestrator never imports a
// metrics library. An observer's own error is logged and never changes the outcome of the work.
import type { OrchestratorLogger } from "./logger.ts";

/** How one run of a job ended: done, sent back to the queue, failed for good, or taken over. */
/** released: given back at a step boundary because the process was shutting down. */
export type JobRunOutcome = "succeeded" | "retried" | "failed" | "taken_over" | "released";
export type StepOutcome = "succeeded" | "failed";
export type ScheduledRunOutcome = "succeeded" | "failed";

export interface OrchestratorObserver {
  /** One run of a job by this process ended; `ms` from its claim to its outcome. */
  jobFinished?(kind: string, outcome: JobRunOutcome, ms: number): void;
  /** One step of a job ended (steps a previous run finished are not run again, nor reported). */
  stepFinished?(kind: string, step: string, outcome: StepOutcome, ms: number): void;
  /** A periodic task's run, claimed by this process, ended. */
  scheduledRun?(task: string, outcome: ScheduledRunOutcome): void;
}

/** Calls one of the observer's methods, if any; what it throws is logged, never propagated. */
export function notifyObserver<K extends keyof OrchestratorObserver>(
  observer: OrchestratorObserver | undefined,
  logger: OrchestratorLogger,
  event: K,
  ...args: Parameters<NonNullable<OrchestratorObserver[K]>>
): void {
  const method = observer?.[event] as ((...a: unknown[]) => void) | undefined;
  if (!method) return;
  try {
    method.apply(observer, args);
  } catch (error) {
    logger.warn("the orchestrator's observer failed; the work itself is not affected", { event, error });
  }
}
