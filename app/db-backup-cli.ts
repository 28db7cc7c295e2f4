// `npm run db:backup` and `npm run db:restore`: the portal's own database, for the operator.
//   npm run db:backup [-- --dir <folder>]      one backup now (PORTAL_BACKUP_DIR by default); with
//                                              the embedded database held by the running portal,
//                                              the portal writes it (control channel)
//   npm run db:backup -- --list [--dir <folder>]   the backups there, newest first
//   npm run db:restore -- <file> [--force] [--key-file <file>]
//                                              into DATABASE_URL or DATA_DIR's embedded database,
//                                              with the portal and its workers stopped
// What a backup holds and how it is sealed: docs/decisions/0013-portal-database-backups.md.
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseInUseError, openDatabase } from "../prisma/database.ts";
import { readMigrations } from "../prisma/migrate.ts";
import {
  BackupFileError,
  keyFingerprint,
  listPortalBackups,
  parseSecretKey,
  restorePortalBackup,
  RestoreRefused,
  type BackupListing,
} from "../orchestrator/index.ts";
import { ConfigError, loadConfig, type AppConfig } from "./config.server";
import { openOperatorCommands } from "./control/operator-commands.server";
import { createLogger } from "./logger.server";

const USAGE = [
  "Usage: npm run db:backup [-- --dir <folder>]",
  "       npm run db:backup -- --list [--dir <folder>]",
  "       npm run db:restore -- <backup file> [--force] [--key-file <key file>]",
].join("\n");

class UsageError extends Error {}

interface Arguments {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

function parseArguments(args: string[], withValue: string[], switches: string[]): Arguments {
  const parsed: Arguments = { positional: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (withValue.includes(arg)) {
      const value = args[++i];
      if (!value) throw new UsageError(`${arg} needs a value.`);
      parsed.values.set(arg, value);
    } else if (switches.includes(arg)) parsed.flags.add(arg);
    else if (arg.startsWith("--")) throw new UsageError(`Unknown option ${arg}.`);
    else parsed.positional.push(arg);
  }
  return parsed;
}

/** The portal's key, without creating a key file (a restore on a new machine must not invent one). */
async function configuredKey(config: AppConfig): Promise<Buffer | null> {
  const o = config.orchestrator;
  if (o.secretsKey) return parseSecretKey(o.secretsKey);
  const exists = await access(o.secretsKeyFile).then(
    () => true,
    () => false,
  );
  return exists ? parseSecretKey(await readFile(o.secretsKeyFile, "utf8")) : null;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 3 : 1)} MB`;

async function backup(config: AppConfig, args: Arguments) {
  const dir = args.values.get("--dir");
  if (args.flags.has("--list")) {
    const folder = path.resolve(dir ?? config.portalBackups.dir);
    printListing(folder, await listPortalBackups(folder), await configuredKey(config).catch(() => null));
    return;
  }
  // The command's own lines are the output; the portal's log lines only when something goes wrong.
  const commands = await openOperatorCommands(config, createLogger("warn"));
  try {
    const report = await commands.backupPortalDatabase(dir ? path.resolve(dir) : config.portalBackups.dir);
    console.log(`Backup written (through ${commands.via}): ${report.file}`);
    console.log(`  ${megabytes(report.bytes)}, ${report.rows} rows in ${report.tables} tables, ${(report.durationMs / 1000).toFixed(1)} s`);
    console.log("  Keep the secrets key with it, elsewhere: the file opens only with that key.");
  } finally {
    await commands.close();
  }
}

function printListing(folder: string, listings: BackupListing[], key: Buffer | null) {
  if (listings.length === 0) {
    console.log(`No backups in ${folder}.`);
    return;
  }
  const mine = key ? keyFingerprint(key) : null;
  console.log(`Backups in ${folder}, newest first:`);
  for (const b of listings) {
    const keyNote = b.problem ? `unreadable: ${b.problem}` : mine && b.keyFingerprint !== mine ? `key ${b.keyFingerprint} (not this portal's key)` : `key ${b.keyFingerprint}`;
    console.log(`  ${b.createdAt}  ${megabytes(b.bytes).padStart(10)}  ${String(b.rows).padStart(8)} rows  ${keyNote}  ${path.basename(b.file)}`);
  }
}

async function restore(config: AppConfig, args: Arguments) {
  const [file, ...extra] = args.positional;
  if (!file || extra.length > 0) throw new UsageError("Give one backup file to restore.");
  const keyFile = args.values.get("--key-file");
  const portalKey = await configuredKey(config);
  const key = keyFile ? parseSecretKey(await readFile(path.resolve(keyFile), "utf8")) : portalKey;
  if (!key) {
    throw new RestoreRefused(
      `No secrets key: neither SECRETS_KEY nor ${config.orchestrator.secretsKeyFile} is set. Give the key the backup was made with: --key-file <file>, or put it in ${config.orchestrator.secretsKeyFile}.`,
    );
  }
  let database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, embeddedDir: config.embeddedDatabaseDir, poolSize: 2 });
  } catch (error) {
    if (error instanceof DatabaseInUseError) {
      throw new RestoreRefused(`${error.message}\nA restore needs the database to itself: stop the portal (and its workers), then run npm run db:restore again.`);
    }
    throw error;
  }
  try {
    const migrations = await readMigrations();
    const where = config.databaseUrl ? "the PostgreSQL database of DATABASE_URL" : `the embedded database in ${config.embeddedDatabaseDir}`;
    console.log(`Restoring ${path.resolve(file)} into ${where} (the portal and its workers must be stopped)…`);
    const report = await restorePortalBackup({
      prisma: database.prisma,
      file: path.resolve(file),
      secretKey: key,
      codeMigrations: migrations.map((m) => m.name),
      migrate: async (names) => void (await database.migrate(migrations.filter((m) => names.includes(m.name)))),
      force: args.flags.has("--force"),
    });
    console.log(
      `Restored the backup of ${report.header.createdAt}: ${report.rows} rows in ${Object.keys(report.header.tables).length} tables` +
        (report.replacedRows ? `, replacing ${report.replacedRows} rows` : "") +
        (report.migratedAfter.length ? `; then applied ${report.migratedAfter.length} newer migration(s)` : "") +
        ".",
    );
    if (!portalKey || keyFingerprint(portalKey) !== report.header.keyFingerprint) {
      console.log(
        `The restored secrets are sealed under the key ${report.header.keyFingerprint}${keyFile ? ` (${path.resolve(keyFile)})` : ""}, not the portal's ` +
          `${portalKey ? keyFingerprint(portalKey) : "(none configured)"}: start the portal with that key (SECRETS_KEY, or copy it to ` +
          `${config.orchestrator.secretsKeyFile}), then run npm run secrets:rotate to move them to a new key.`,
      );
    }
  } finally {
    await database.close();
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const config = loadConfig(process.env);
  if (command === "backup") await backup(config, parseArguments(rest, ["--dir"], ["--list"]));
  else if (command === "restore") await restore(config, parseArguments(rest, ["--key-file"], ["--force"]));
  else throw new UsageError(`Unknown command ${command ?? "(none)"}.`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ConfigError || error instanceof RestoreRefused || error instanceof BackupFileError) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
});
