// What every loader and action receives through Remix's load context. The server creates these
// once at boot (app/server.ts); routes never open their own database or read the environment.
import type { PrismaClient } from "../prisma/generated/client.ts";
import type { Orchestrator } from "../orchestrator/index.ts";
import type { AppConfig } from "./config.server";
import type { Logger } from "./logger.server";
import type { PortalMetrics } from "./metrics/portal-metrics.server";

export interface AppServices {
  config: AppConfig;
  prisma: PrismaClient;
  logger: Logger;
  /** Lifecycle requests, stack status and logs (the admin console). */
  orchestrator: Orchestrator;
  /** Throws when the database does not answer. */
  pingDatabase(): Promise<void>;
  now(): Date;
  /** Prometheus counters the routes move (signups); served at /metrics. */
  metrics: PortalMetrics;
}

declare module "@remix-run/node" {
  interface AppLoadContext {
    services: AppServices;
    /** The client's address (the proxy's X-Forwarded-For only when TRUST_PROXY is on). */
    clientIp: string;
  }
}
