// What the portal and the standalone worker both open at start: the database (migrated) and the
// orchestrator (templates validated, secrets key loaded). A broken template or key stops the boot.
import path from "node:path";
import { openDatabase, type Database } from "../prisma/database.ts";
import { createOrchestrator, loadOrCreateKeyFile, parseSecretKey, type Orchestrator } from "../orchestrator/index.ts";
import type { AppConfig } from "./config.server";
import type { Logger } from "./logger.server";

export const TEMPLATES_DIR = path.resolve("compose-templates");

export async function openDatabaseFor(config: AppConfig, logger: Logger): Promise<Database> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDir: config.embeddedDatabaseDir,
    poolSize: config.databasePoolSize,
  });
  const migrations = await database.migrate();
  logger.info("database ready", {
    database: database.kind === "postgres" ? "postgresql server" : `embedded, in ${config.embeddedDatabaseDir}`,
    migrationsApplied: migrations.applied,
  });
  return database;
}

export async function openOrchestratorFor(
  config: AppConfig,
  database: Database,
  logger: Logger,
  hooks: { afterStepWork?: (step: string) => Promise<void> } = {},
): Promise<Orchestrator> {
  const o = config.orchestrator;
  const secretKey = o.secretsKey ? parseSecretKey(o.secretsKey) : await loadOrCreateKeyFile(o.secretsKeyFile);
  return createOrchestrator({
    prisma: database.prisma,
    logger,
    driver: o.driver,
    templatesDir: TEMPLATES_DIR,
    template: o.template,
    templateValues: o.templateValues,
    portRange: o.portRange,
    bindAddress: o.bindAddress,
    tenantUrl: o.tenantUrl,
    mail: config.mail,
    secretKey,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    leaseMs: o.leaseMs,
    ...hooks,
  });
}
