// Tenantry's HTTP server: validates the configuration, opens and migrates the database, then
// serves the Remix build. Run with `npm start` (which builds first) or `npm run serve`.
// SIGTERM stops it gracefully within 30 s (app/shutdown.server.ts).
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { signInGate } from "./admin/sign-in-gate";
import { announceFirstRun, checkStripeAtBoot, openDatabaseFor, openOrchestratorFor } from "./boot.server";
import { clockFromEnvironment } from "./clock.server";
import { controlRoutes } from "./control/control-routes.server";
import { issueControlToken } from "./control/control-token.server";
import { ConfigError, loadConfig } from "./config.server";
import { crashTestPause } from "./crash-test-pause.server";
import { limitRequestBodies } from "./http/body-limit";
import { caddyAskEndpoint } from "./http/caddy-ask";
import { metricsEndpoint, recordHttpMetrics } from "./http/metrics";
import { remixHandler } from "./http/remix-handler";
import { refuseCrossSitePosts } from "./http/same-origin";
import { createLogger } from "./logger.server";
import { createPortalMetrics } from "./metrics/portal-metrics.server";
import { routeLabeler } from "./metrics/route-label.server";
import { settingHintLine } from "./setting-hints.server";
import type { AppServices } from "./services.server";
import { backgroundLoops, stopGracefullyOnSignals } from "./shutdown.server";

const BUILD_PATH = path.resolve("build/index.js");

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);

  const clock = clockFromEnvironment(process.env);
  const database = await openDatabaseFor(config, logger);
  await announceFirstRun(database, logger);
  const metrics = createPortalMetrics({ prisma: database.prisma, now: () => clock.now(), logger });
  const pause = crashTestPause(process.env.TENANTRY_CRASH_TEST_PAUSE);
  const orchestrator = await openOrchestratorFor(config, database, logger, clock, {
    observer: metrics.observer,
    ...(pause ? { afterStepWork: pause } : {}),
  });
  // The worker runs in the portal by default; WORKER=false when it runs on its own (npm run worker).
  // The scheduler runs beside it (SCHEDULER=false to leave it to other processes): each periodic
  // task runs once per period however many processes run it.
  const worker = config.orchestrator.runWorker ? orchestrator.startWorker() : null;
  const mailSender = config.orchestrator.runWorker ? orchestrator.startMailSender() : null;
  const notificationSender = config.orchestrator.runWorker ? orchestrator.startNotificationSender() : null;
  const scheduler = config.orchestrator.runWorker && config.time.runScheduler ? orchestrator.startScheduler() : null;
  logger.info("email delivery", {
    to: orchestrator.mailDescription,
    ...(config.mail.smtpUrl ? {} : { hint: "no SMTP_URL: messages are kept in the development mailbox; list them with `npm run mailbox`" }),
  });

  const services: AppServices = {
    config,
    prisma: database.prisma,
    logger,
    orchestrator,
    pingDatabase: () => database.ping(),
    now: () => clock.now(),
    metrics,
  };

  const build = (await import(pathToFileURL(BUILD_PATH).href)) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // Every request timed and counted by route (a Remix route id, never a raw path); served at
  // /metrics, to a METRICS_TOKEN bearer or, without one, to loopback only (app/http/metrics.ts).
  app.use(recordHttpMetrics(metrics, routeLabeler(build.routes)));
  app.use((_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "same-origin");
    next();
  });
  app.all("/metrics", metricsEndpoint(metrics, { token: config.metricsToken }));
  // Fingerprinted assets can be cached for ever; everything else in public/ for an hour.
  app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
  app.use(express.static("public", { maxAge: "1h" }));
  // The operator's commands reach the portal here (loopback and a token from the data folder).
  app.use("/_control", controlRoutes(orchestrator, await issueControlToken(config.dataDir)));
  // Caddy's on-demand TLS asks here (loopback only) before a certificate; only with TENANT_HOST_PATTERN.
  if (config.tenantHostPattern) {
    app.get("/_caddy/ask", caddyAskEndpoint({ prisma: database.prisma, pattern: config.tenantHostPattern, logger }));
  }
  // Before Remix sees a body: forms posted from another site get a 403, bodies over
  // MAX_REQUEST_BODY_KB a 413; what passes is read (bounded) here and handed to Remix.
  app.use(refuseCrossSitePosts());
  app.use(limitRequestBodies(config.maxRequestBodyBytes));
  // Password forms: a few POSTs at a time, so a sign-in storm cannot starve the other pages.
  app.use(["/admin/login", "/admin/setup"], signInGate());
  app.all(
    "*",
    remixHandler({
      build,
      // req.ip follows TRUST_PROXY: the rightmost X-Forwarded-For entry a trusted proxy wrote.
      getLoadContext: (req) => ({ services, clientIp: req.ip ?? req.socket.remoteAddress ?? "unknown" }),
    }),
  );

  const server = app.listen(config.port, config.host, () => {
    // `tenants`: the address tenants get ({slug}/{port} filled in per tenant), behind Caddy or on host ports.
    logger.info("Tenantry is listening", { url: `http://${config.host}:${config.port}/`, tenants: config.orchestrator.tenantUrl });
    // Stripe's key and prices checked in the background: a problem is said, never a reason not to serve.
    void checkStripeAtBoot(orchestrator, logger);
  });
  server.on("error", (error) => {
    logger.error("the HTTP server could not start", { error, hint: "is PORT already in use?" });
    process.exit(1);
  });

  stopGracefullyOnSignals({
    logger,
    http: server,
    loops: backgroundLoops({ worker, mailSender, notificationSender, scheduler }),
    closeDatabase: () => database.close(),
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`Tenantry could not start: ${message}${settingHintLine(error)}\n`);
  }
  process.exit(1);
});
