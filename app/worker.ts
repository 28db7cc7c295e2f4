// The provisioning worker on its own (`npm run worker`), for running it apart from the portal
// (then start the portal with WORKER=false). Both share the database. It also delivers email and
// operator notifications and runs the scheduler (SCHEDULER=false leaves that to other processes).
// SIGTERM stops it gracefully (app/shutdown.server.ts): the job in flight is released after its
// current step, and the process exits within 30 s.
import { openDatabaseFor, openOrchestratorFor } from "./boot.server";
import { clockFromEnvironment } from "./clock.server";
import { ConfigError, loadConfig } from "./config.server";
import { crashTestPause } from "./crash-test-pause.server";
import { createLogger } from "./logger.server";
import { settingHintLine } from "./setting-hints.server";
import { backgroundLoops, stopGracefullyOnSignals } from "./shutdown.server";

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
  stopGracefullyOnSignals({
    logger,
    loops: backgroundLoops({ worker, mailSender, notificationSender, scheduler }),
    closeDatabase: () => database.close(),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `The worker could not start: ${error instanceof Error ? error.stack : String(error)}${settingHintLine(error)}\n`,
  );
  process.exit(1);
});
