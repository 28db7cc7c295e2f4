// `npm run secrets:rotate [-- --new-key-file <file>] [--batch-size <n>]`: rotates the secrets key.
// Every value sealed with it (tenant secrets, sealed emails, final dumps, the development mailbox)
// is re-encrypted under a new key, in batches; killed or failed, the same command run again goes
// on where it stopped. The running portal and workers learn of the rotation from the database and
// keep working meanwhile (docs/decisions/0012-key-rotation.md).
//   Key file (no SECRETS_KEY): the new key is DATA_DIR/secrets.key.next, created if absent; at the
//     end it replaces DATA_DIR/secrets.key and the old key is kept in DATA_DIR/retired-keys/.
//   SECRETS_KEY: the new key comes from SECRETS_KEY_NEW or --new-key-file; at the end the operator
//     sets SECRETS_KEY to it and restarts the portal and workers.
// The embedded database belongs to the running portal: stop it first. Keys are never printed, only
// their fingerprints. Operator output, in English.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  keyFingerprint,
  nextKeyFile,
  parseSecretKey,
  prepareNextKey,
  readSecretKeyFile,
  RotationError,
  rotationKeys,
  runKeyRotation,
  swapKeyFiles,
  systemClock,
  type KindReport,
  type RotationReport,
} from "../orchestrator/index.ts";
import { DatabaseInUseError, type Database } from "../prisma/database.ts";
import { openDatabaseFor } from "./boot.server";
import { ConfigError, loadConfig, type AppConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { settingHintLine } from "./setting-hints.server";

const USAGE = "Usage: npm run secrets:rotate [-- --new-key-file <file holding the new key>] [--batch-size <1-10000>]";

class UsageError extends Error {}

interface Arguments {
  newKeyFile: string | null;
  batchSize: number;
}

function parseArguments(args: string[]): Arguments {
  const parsed: Arguments = { newKeyFile: null, batchSize: 100 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === "--new-key-file" && value) parsed.newKeyFile = value;
    else if (flag === "--batch-size" && value && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 10_000) parsed.batchSize = Number(value);
    else throw new UsageError(USAGE);
  }
  return parsed;
}

// For the crash test only: TENANTRY_ROTATION_TEST_PAUSE_MS makes the command wait that long after
// each committed batch, so that a test can SIGKILL it halfway.
function testPause(value: string | undefined): ((report: KindReport) => Promise<void>) | undefined {
  const ms = Number(value);
  if (!value || !Number.isFinite(ms) || ms <= 0) return undefined;
  return async (report) => {
    process.stdout.write(`rotation-test pause after a batch of ${report.kind} (${report.resealed} re-encrypted)\n`);
    await sleep(ms);
  };
}

/** The key the portal is configured with: SECRETS_KEY, or the key file (read, never created here). */
async function configuredKey(config: AppConfig): Promise<Buffer> {
  const o = config.orchestrator;
  if (o.secretsKey) return parseSecretKey(o.secretsKey);
  const key = await readSecretKeyFile(o.secretsKeyFile);
  if (!key) {
    throw new Error(
      `There is no key to rotate: SECRETS_KEY is not set and ${o.secretsKeyFile} does not exist. ` +
        "Set DATA_DIR (or SECRETS_KEY) as the portal has it; a new installation gets its key at the portal's first start.",
    );
  }
  return key;
}

/** The new key given by the operator (SECRETS_KEY_NEW or --new-key-file), if any. */
async function givenNewKey(config: AppConfig, args: Arguments): Promise<Buffer | null> {
  if (args.newKeyFile) {
    try {
      return parseSecretKey(await readFile(args.newKeyFile, "utf8"));
    } catch (error) {
      throw new Error(`--new-key-file ${args.newKeyFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return config.orchestrator.secretsKeyNew ? parseSecretKey(config.orchestrator.secretsKeyNew) : null;
}

async function openDatabase(config: AppConfig): Promise<Database> {
  try {
    return await openDatabaseFor(config, createLogger("warn"));
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error;
    throw new Error(
      `${error.message}\nThe embedded database belongs to the running portal: stop the portal, run npm run secrets:rotate, then start the portal again ` +
        "(with a PostgreSQL server the rotation runs while the portal works).",
    );
  }
}

async function main() {
  const args = parseArguments(process.argv.slice(2));
  const config = loadConfig(process.env);
  const keyFileMode = !config.orchestrator.secretsKey;
  const keyFiles = { keyFile: config.orchestrator.secretsKeyFile };
  const currentKey = await configuredKey(config);
  const wanted = await givenNewKey(config, args);
  const database = await openDatabase(config);
  try {
    const plan = await rotationKeys(database.prisma, currentKey, async () => {
      if (keyFileMode) return prepareNextKey(keyFiles, wanted);
      if (!wanted) {
        throw new Error(
          "SECRETS_KEY is set, so the new key must be given: set SECRETS_KEY_NEW to a new key (openssl rand -hex 32) and keep it safe, " +
            "or pass --new-key-file <file>. It becomes SECRETS_KEY once the rotation is done.",
        );
      }
      return wanted;
    });
    if (wanted && keyFingerprint(wanted) !== keyFingerprint(plan.newKey)) {
      throw new Error(
        `A rotation to the key ${keyFingerprint(plan.newKey)} is in progress (started ${plan.inProgress?.startedAt.toISOString()}), ` +
          `but the new key given is ${keyFingerprint(wanted)}: give that rotation's key (or none) to finish it first.`,
      );
    }
    // Taking up a rotation whose secrets.key.next was lost: written again from the database's copy.
    if (keyFileMode && plan.inProgress && !plan.currentIsNew) await prepareNextKey(keyFiles, plan.newKey);
    console.log(
      `${plan.inProgress ? "Resuming the rotation of" : "Rotating"} the secrets key from ${keyFingerprint(plan.oldKey)} to ${keyFingerprint(plan.newKey)} ` +
        `(${keyFileMode ? `new key in ${nextKeyFile(keyFiles)}` : "new key given by the operator"}; keys are named by fingerprint only).`,
    );
    const swapped = { retiredKeyFile: null as string | null };
    const pause = testPause(process.env.TENANTRY_ROTATION_TEST_PAUSE_MS);
    const report = await runKeyRotation({
      prisma: database.prisma,
      clock: systemClock,
      oldKey: plan.oldKey,
      newKey: plan.newKey,
      operator: `secrets:rotate by ${os.userInfo().username}@${os.hostname()}`,
      dumpsDir: config.time.dumpsDir,
      devMailboxDir: config.mail.smtpUrl ? null : config.mail.devMailboxDir,
      batchSize: args.batchSize,
      // The embedded database has no other process to wait for: the portal is stopped.
      ...(database.kind === "embedded" ? { graceMs: 0 } : {}),
      progress: (line) => console.log(line),
      ...(pause ? { afterBatch: pause } : {}),
      ...(keyFileMode ? { beforeComplete: async () => void Object.assign(swapped, await swapKeyFiles(keyFiles, plan.oldKey, plan.newKey)) } : {}),
    });
    printReport(report);
    if (keyFileMode) {
      console.log(`${config.orchestrator.secretsKeyFile} now holds the new key. The old key is kept in ${swapped.retiredKeyFile ?? path.join(path.dirname(keyFiles.keyFile), "retired-keys")} (mode 0600):`);
      console.log("keep it while you keep backups taken before now (they were sealed with it), then delete it.");
      console.log("The running portal and workers learned the new key during the rotation: nothing to restart.");
    } else {
      console.log(`Now set SECRETS_KEY to the new key (fingerprint ${report.newKeyFingerprint}, the one given as ${args.newKeyFile ? "--new-key-file" : "SECRETS_KEY_NEW"}) wherever the portal and workers are configured,`);
      console.log("remove SECRETS_KEY_NEW, and restart them. Until then they keep working with the key learned during the rotation; started with the old key, they refuse to start and say so.");
      console.log("Keep the old key while you keep backups taken before now (they were sealed with it).");
    }
  } finally {
    await database.close();
  }
}

function printReport(report: RotationReport) {
  for (const kind of report.kinds) {
    const extra = [kind.missing > 0 ? `${kind.missing} recorded but gone (deleted by retention)` : "", kind.unopenable.length > 0 ? `${kind.unopenable.length} unreadable with either key, left to expire` : ""].filter(Boolean);
    console.log(`  ${kind.kind.padEnd(20)} ${kind.resealed} re-encrypted, ${kind.alreadyNew} already under the new key${extra.length ? `, ${extra.join(", ")}` : ""}`);
  }
  console.log(`Done: every sealed value opens with the new key ${report.newKeyFingerprint} alone (rotation ${report.rotationId} completed).`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof UsageError
      ? error.message
      : `secrets:rotate stopped: ${error instanceof Error ? error.message : String(error)}.${settingHintLine(error)}`,
  );
  // Failed once begun: values may be under either key, and the command takes the rotation up again.
  if (error instanceof RotationError) {
    console.error("Nothing is lost: values already re-encrypted open with the new key, the others with the old one, and the portal opens both. Fix the cause, then run the command again: it goes on where it stopped.");
  }
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
