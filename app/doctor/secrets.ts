// Doctor check of the secrets key (SECRETS_KEY, or the key file under DATA_DIR): it decrypts a
// stored sample (a tenant secret, else a sealed email). The key file is read, never created here:
// a missing file with secrets stored means the key is lost.
import { readFile } from "node:fs/promises";
import { checkSecretsKey, parseSecretKey } from "../../orchestrator/index.ts";
import type { Database } from "../../prisma/database.ts";
import type { AppConfig } from "../config.server";
import { passed, problem, type DoctorCheck } from "./check";

const NAME = "secrets key";

export async function checkSecrets(config: AppConfig, database: Database | null, skipped: string | null): Promise<DoctorCheck> {
  const o = config.orchestrator;
  const source = o.secretsKey ? "SECRETS_KEY" : `the key file ${o.secretsKeyFile}`;
  let key: Buffer | null;
  try {
    key = o.secretsKey ? parseSecretKey(o.secretsKey) : await readKeyFile(o.secretsKeyFile);
  } catch (error) {
    return problem(NAME, `${source} cannot be read: ${error instanceof Error ? error.message : String(error)}`, "Set SECRETS_KEY to the 64 hex digits of the key (openssl rand -hex 32 for a new installation), or restore the key file under DATA_DIR.");
  }
  if (!database) return passed(NAME, `${key ? `${source} is readable; ` : ""}no sample decrypted: ${skipped ?? "no database"}`);
  const stored = (await database.prisma.tenantSecret.count()) + (await database.prisma.emailOutbox.count({ where: { encrypted: true } }));
  if (!key) {
    return stored === 0
      ? passed(NAME, `no key yet (${source} does not exist) and nothing is encrypted: the portal creates the key at its first start`)
      : problem(NAME, `${source} does not exist, and ${stored} encrypted values are stored`, "Restore the key file under DATA_DIR from a backup, or set SECRETS_KEY to the key they were stored with.");
  }
  const report = await checkSecretsKey(database.prisma, key);
  if (report.unusable && report.failure) {
    return problem(NAME, `${source}: ${report.failure.message}`, "Set SECRETS_KEY (or restore DATA_DIR/secrets.key) to the key named: after `npm run secrets:rotate` completed, the key it rotated to (the key file already holds it; the old one is in DATA_DIR/retired-keys/ for older backups); during a rotation, its old or new key.");
  }
  const rotating = report.rotation ? ` (a key rotation ${report.rotation} is in progress: run \`npm run secrets:rotate\` again to finish it if it is not running)` : "";
  if (!report.sample) return passed(NAME, `${source} is readable; nothing encrypted is stored yet, so there is nothing to try${rotating}`);
  if (!report.failure) return passed(NAME, `${source} decrypts a sample (${report.sample})${rotating}`);
  return problem(
    NAME,
    `${source} does not decrypt a sample (${report.sample}): it is not the key the secrets were stored with`,
    "Set SECRETS_KEY (or restore the key file under DATA_DIR) to the key Tenantry had when the secrets were stored.",
  );
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  try {
    return parseSecretKey(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
