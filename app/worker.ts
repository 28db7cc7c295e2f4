// The provisioning worker on its own (`npm run worker`), for running it apart from the portal
// (then start the portal with WORKER=false). Both share the database. It also delivers email and
// operator notifications and runs the scheduler (SCHEDULER=false leaves that to other processes).
import { setTimeout as sleep } from "node:timers/promises";
import { openDatabaseFor, openOrchestratorFor } from "./boot.server";
import { clockFromEnvironment } from "./clock.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { settingHintLine } from "./setting-hints.server";

// For crash tests only: "step:ms" makes the worker wait `ms` inside that step, after its work and
// before it is recorded as done, so a test can SIGKILL it at the worst moment.
function crashTestPause(value: string | undefined) {
  if (!value) return undefined;
  const separator = value.lastIndexOf(":");
  const step = value.slice(0, separator);
  const ms = Number(value.slice(separator + 1));
  return async (current: string) => {
    if (current !== step) return;
    process.stdout.write(`crash-test pause in step ${step}\n`);
    await sleep(ms);
  };
}

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const database = await openDatabaseFor(config, logger);
  const pause = crashTestPause(process.env.TENANTRY_CRASH_TEST_PAUSE);
  const orchestrator = await openOrchestratorFor(config, database, logger, clockFromEnvironment(process.env), pause ? { afterStepWork: pause } : {});
  const worker = orchestrator.startWorker();
  const mailSender = orchestrator.startMailSender();
  const notificationSender = orchestrator.startNotificationSender();
  const scheduler = config.time.runScheduler ? orchestrator.startScheduler() : null;
  const stop = async (signal: string) => {
    logger.info("stopping the worker", { signal });
    await scheduler?.stop();
    await worker.stop();
    await mailSender.stop();
    await notificationSender.stop();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `The worker could not start: ${error instanceof Error ? error.stack : String(error)}${settingHintLine(error)}\n`,
  );
  process.exit(1);
});
