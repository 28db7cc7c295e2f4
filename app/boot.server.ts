// What the portal and the standalone worker both open at start: the database (migrated) and the
// orchestrator (templates validated, secrets key loaded). A broken template or key stops the boot.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { openDatabase, type Database } from "../prisma/database.ts";
import {
  createOrchestrator,
  loadOrCreateKeyFile,
  parseSecretKey,
  type Clock,
  type Orchestrator,
  type OrchestratorObserver,
} from "../orchestrator/index.ts";
import { issueSetupToken } from "./admin/first-run.server";
import type { AppConfig } from "./config.server";
import type { Logger } from "./logger.server";
import { withSettingHints } from "./setting-hints.server";

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

/**
 * First run (no admin yet): prints a one-time setup token that /admin/setup asks for, so that
 * whoever reaches a fresh portal first does not own it. Each process prints its own; any of them
 * is accepted, and the first owner consumes them all. It is the one secret this log carries, on
 * purpose, and it stops working once the owner exists.
 */
export async function announceFirstRun(database: Database, logger: Logger): Promise<void> {
  const token = await issueSetupToken(database.prisma);
  if (!token) return;
  logger.warn(`First run: no admin account yet. Open /admin/setup and give this one-time setup token: ${token}`, {
    hint: "a new token is printed at each start while no admin exists; `npm run admin:create` also creates the first owner",
  });
}

/** The secrets key: SECRETS_KEY, or the key file (created on first use). */
export async function loadSecretKeyFor(config: AppConfig): Promise<Buffer> {
  const o = config.orchestrator;
  return o.secretsKey ? parseSecretKey(o.secretsKey) : loadOrCreateKeyFile(o.secretsKeyFile);
}

/** BACKUP_KEY_FILE's key: never created here, since a new key would not open the backups made before. */
async function loadBackupKey(file: string): Promise<Buffer> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `BACKUP_KEY_FILE ${file} cannot be read (${error.code ?? error.message}). Create it once with \`openssl rand -hex 32 > ${file} && chmod 600 ${file}\`, keep a copy apart from the backups, or unset BACKUP_KEY_FILE to seal backups with the secrets key.`,
    );
  });
  try {
    return parseSecretKey(text);
  } catch {
    throw new Error(`BACKUP_KEY_FILE ${file} does not hold a key: 32 bytes as 64 hex digits or base64 (openssl rand -hex 32).`);
  }
}

export async function openOrchestratorFor(
  config: AppConfig,
  database: Database,
  logger: Logger,
  clock: Clock,
  hooks: { afterStepWork?: (step: string) => Promise<void>; observer?: OrchestratorObserver } = {},
): Promise<Orchestrator> {
  const o = config.orchestrator;
  const secretKey = await loadSecretKeyFor(config);
  return createOrchestrator({
    prisma: database.prisma,
    // Its lines name settings by code; the log says which variable to check.
    logger: withSettingHints(logger),
    driver: o.driver,
    templatesDir: TEMPLATES_DIR,
    template: o.template,
    templateValues: o.templateValues,
    portRange: o.portRange,
    bindAddress: o.bindAddress,
    tenantUrl: o.tenantUrl,
    ...(config.account.portalUrl ? { portalUrl: config.account.portalUrl } : {}),
    ...(o.proxy ? { proxy: o.proxy } : {}),
    ...(o.customDomains ? { customDomains: o.customDomains } : {}),
    mail: config.mail,
    secretKey,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    leaseMs: o.leaseMs,
    clock,
    time: config.time,
    schedulerPollMs: config.time.schedulerPollMs,
    notify: config.notify,
    portalBackups: config.portalBackups,
    tenantBackups: {
      dir: config.tenantBackups.dir,
      schedule: config.tenantBackups.schedule,
      ...(config.tenantBackups.keyFile ? { key: await loadBackupKey(config.tenantBackups.keyFile) } : {}),
      ...(config.tenantBackups.s3 ? { s3: config.tenantBackups.s3 } : {}),
    },
    upgrades: config.upgrades,
    plans: config.plans,
    billing: config.billing,
    ...hooks,
  });
}

/**
 * Stripe's boot check (issue 12), run in the background once the portal listens: a refused key or a
 * plan's missing price is an error in the log (and on the console's dashboard, which reads the
 * last report); Stripe unreachable is a warning. Never a reason not to start: signups keep working.
 */
export async function checkStripeAtBoot(orchestrator: Orchestrator, logger: Logger): Promise<void> {
  if (!orchestrator.stripe.configured) {
    logger.info("billing: trial-only, Stripe is not configured", { hint: "set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take payments" });
    return;
  }
  try {
    const report = await orchestrator.stripe.checkStripe();
    if (report.status === "ok") logger.info("Stripe check: the secret key and the plans' prices are accepted", { pricesChecked: report.pricesChecked });
    else if (report.status === "unreachable") {
      logger.warn("Stripe check: Stripe could not be reached; checkout will be tried when customers subscribe", { error: report.error, hint: "check the network, or STRIPE_API_URL" });
    }
    for (const problem of report.problems) {
      logger.error(`Stripe check: ${problem.message}`, { hint: problem.kind === "key" ? "check STRIPE_SECRET_KEY" : "check PLANS_FILE's stripePrices (and that STRIPE_SECRET_KEY is the same mode, test or live)" });
    }
  } catch (error) {
    logger.warn("Stripe check could not run", { error });
  }
}
