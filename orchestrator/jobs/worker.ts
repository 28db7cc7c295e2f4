// The worker: claims due jobs and runs up to `concurrency` of them at once against one engine.
// While the engine does not answer it claims nothing, so queued jobs wait for it instead of
// burning their retries; it says so once, and again when the engine is back. A job sent back to
// the queue because the engine was unreachable does not count that wait against its deadline
// (engineWaitMs, added when it is claimed again: job-store.ts).
// `stop` (shutdown) claims nothing more at once; each running job finishes the step in flight and
// is then released to the queue for the next process (run-job.ts), so stopping takes one step at
// most, never a whole provisioning.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import type { OrchestratorSetting } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { idleTimer } from "./idle-timer.ts";
import { claimNextJob } from "./job-store.ts";
import { runClaimedJob, type JobRunnerOptions } from "./run-job.ts";

export interface WorkerOptions extends Omit<JobRunnerOptions, "workerId"> {
  prisma: PrismaClient;
  clock: Clock;
  logger: OrchestratorLogger;
  concurrency: number;
  pollIntervalMs: number;
  /** Throws when the engine does not answer. */
  pingEngine(): Promise<void>;
  engineDescription: string;
  /** The setting to check when no engine answers (the portal names it in its own terms). */
  engineSetting: OrchestratorSetting;
}

export interface Worker {
  readonly id: string;
  /**
   * Claims nothing more; each running job finishes its current step and is released (or ends, if
   * that was its last step). Resolves once no runner is left; how long a step may take is the
   * caller's deadline to set (app/shutdown.server.ts).
   */
  stop(): Promise<void>;
  /** How many jobs this worker is running now. */
  readonly runningJobs: number;
  /** Looks for work now instead of at the next poll. */
  wake(): void;
}

export function startWorker(options: WorkerOptions): Worker {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const running = new Set<Promise<void>>();
  let stopped = false;
  let engineDown = false;
  const timer = idleTimer();
  const stopping = new AbortController();
  const runnerOptions: JobRunnerOptions = { ...options, workerId: id, stopping: stopping.signal };

  const loop = async () => {
    while (!stopped) {
      if (running.size >= options.concurrency) {
        await Promise.race(running);
        continue;
      }
      let claimed = false;
      try {
        if (await engineAnswers()) {
          const job = stopped ? null : await claimNextJob(options.prisma, id, options.clock.now(), options.leaseMs);
          if (job) {
            claimed = true;
            const run = runClaimedJob(runnerOptions, job)
              .catch((error: unknown) => options.logger.error("job runner crashed", { jobId: job.id, error }))
              .finally(() => running.delete(run));
            running.add(run);
          }
        }
      } catch (error) {
        options.logger.error("the worker could not claim a job", { error });
      }
      if (!claimed) await timer.idle(options.pollIntervalMs);
    }
  };

  async function engineAnswers(): Promise<boolean> {
    try {
      await options.pingEngine();
      if (engineDown) options.logger.info("the container engine answers again; provisioning resumes", { engine: options.engineDescription });
      engineDown = false;
      return true;
    } catch (error) {
      if (!engineDown) {
        options.logger.warn(
          "no container engine answers; provisioning jobs wait in the queue until it does. " +
            "Start the engine (Docker or Portainer), or fix the address Tenantry reaches it at.",
          { engine: options.engineDescription, error, setting: options.engineSetting },
        );
      }
      engineDown = true;
      return false;
    }
  }

  const done = loop();
  options.logger.info("provisioning worker started", { workerId: id, concurrency: options.concurrency });
  return {
    id,
    wake: () => timer.wake(),
    get runningJobs() {
      return running.size;
    },
    async stop() {
      stopped = true;
      stopping.abort();
      timer.wake();
      await done;
      await Promise.allSettled(running);
    },
  };
}
