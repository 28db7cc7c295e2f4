// What a periodic task is: a name, a period, and work that is safe to run twice. The scheduler
// makes each task run once per period across every process; the task makes each of its effects
// happen once (conditional updates, unique keys, row locks), so a run taken over after a crash,
// or a `tasks run-due` beside a running portal, repeats nothing.
import type { OrchestratorLogger } from "../logger.ts";
import type { Period } from "./periods.ts";

/** What a run did, in counts or short words, shown by `tasks list` and stored with the run. Never personal data. */
export type TaskSummary = Record<string, number | string | boolean>;

export interface TaskContext {
  /** The time the run works as of: the scheduler's clock, or `tasks run-due --at`. */
  asOf: Date;
  /** The start of the period this run covers. */
  periodStart: Date;
  runId: string;
  /** Aborted when the scheduler stops or another runner took the run over: stop early. */
  signal: AbortSignal;
  logger: OrchestratorLogger;
}

export interface ScheduledTask {
  /** Lowercase words joined by dashes ("trial-lifecycle"): the key of its runs. */
  name: string;
  /** One line for operators: what it does. */
  description: string;
  period: Period;
  /** Also run once when a scheduler starts (reconciliation), whatever ran before. */
  runAtStart?: boolean;
  run(context: TaskContext): Promise<TaskSummary>;
}
