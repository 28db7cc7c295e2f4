// The final dump of a terminated tenant's database: the manifest's dump command (pg_dump for the
// demo) run in its service's container as that container's local user (so no password is ever on a
// command line), gzipped, sealed with the secrets key (AES-256-GCM, authenticated with the file's
// name) and written atomically (a temporary file, then a rename) with mode 0600 into the dumps
// folder, then recorded as a TenantDump row. One final dump per tenant, under a name made of its
// id only: a terminate job run again finds it and writes nothing twice. `readFinalDump` opens one
// again for support (and for the tests).
import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { writeAudit } from "../audit/audit-log.ts";
import { writeFileAtomically } from "../atomic-file.ts";
import { OrchestratorError } from "../errors.ts";
import type { JobContext } from "../jobs/run-job.ts";
import type { SecretBox } from "../secrets.ts";
import type { DumpPlan } from "../templates/dump.ts";
import type { LifecycleDeps } from "./context.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const DAY_MS = 86_400_000;
export const FINAL_DUMP_REASON = "final";

/** The file name of a tenant's final dump (ids only: no customer's data in a file name). */
export function finalDumpFileName(tenantId: string): string {
  return `${tenantId}-final.sql.gz.enc`;
}

/** The sealed file's text: the gzipped dump in base64, encrypted with the dump's own context. */
export async function sealDump(secretBox: SecretBox, fileName: string, dump: string): Promise<string> {
  const zipped = await gzipAsync(Buffer.from(dump, "utf8"));
  return secretBox.encrypt(zipped.toString("base64"), dumpContext(fileName));
}

/** Opens a final dump written by writeFinalDump: its plain text (SQL for the demo). */
export async function readFinalDump(secretBox: SecretBox, dir: string, fileName: string): Promise<string> {
  const file = path.join(dir, safeFileName(fileName));
  const sealed = await readFile(file, "utf8");
  const zipped = Buffer.from(secretBox.decrypt(sealed.trim(), dumpContext(fileName)), "base64");
  return (await gunzipAsync(zipped)).toString("utf8");
}

export interface FinalDumpOutcome {
  written: boolean;
  fileName: string;
}

/**
 * Takes, seals, writes and records the tenant's final dump, unless it exists already (its row and
 * its file). The database must be running. Fenced by the job's lease: a runner that was taken
 * over records nothing (its file, if any, is replaced by the next runner's under the same name).
 */
export async function writeFinalDump(deps: LifecycleDeps, context: JobContext, project: string, plan: DumpPlan): Promise<FinalDumpOutcome> {
  const tenantId = context.tenant.id;
  const fileName = finalDumpFileName(tenantId);
  const dir = deps.finalDumps.dir;
  const file = path.join(dir, fileName);
  const existing = await deps.prisma.tenantDump.findUnique({ where: { fileName } });
  if (existing && existing.deletedAt === null && (await fileExists(file))) return { written: false, fileName };

  const result = await deps.driver.exec(project, plan.service, { command: plan.command, ...(plan.user ? { user: plan.user } : {}) });
  if (result.exitCode !== 0) {
    // A database still starting, or a lock: worth another try before the job's deadline.
    throw new OrchestratorError(
      `The final dump (${plan.command[0] ?? "dump"} in ${plan.service}) failed with exit code ${result.exitCode}: ` +
        `${result.stderr.trim().slice(0, 500)}. Check the template's dump command and the database container's logs; the job retries.`,
      { transient: true },
    );
  }
  if (result.stdout.trim() === "") {
    throw new OrchestratorError(`The final dump (${plan.command[0] ?? "dump"} in ${plan.service}) wrote nothing; check the template's dump command.`, {
      transient: false,
    });
  }
  const sealed = await sealDump(deps.secretBox, fileName, result.stdout);
  await writeAtomically(dir, fileName, sealed);
  const sha256 = createHash("sha256").update(sealed).digest("hex");
  const sizeBytes = Buffer.byteLength(sealed);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.finalDumps.retentionDays * DAY_MS);
  await context.withLease(async (tx) => {
    await tx.tenantDump.upsert({
      where: { fileName },
      create: { tenantId, reason: FINAL_DUMP_REASON, fileName, sha256, sizeBytes, expiresAt, createdAt: now },
      update: { sha256, sizeBytes, expiresAt, createdAt: now, deletedAt: null },
    });
    await writeAudit(tx, {
      actorType: "system",
      actorId: context.job.requestedBy ?? context.job.id,
      action: "tenant.dump_written",
      tenantId,
      outcome: "succeeded",
      details: { fileName, sizeBytes, sha256, expiresAt: expiresAt.toISOString(), reason: FINAL_DUMP_REASON },
    });
  });
  return { written: true, fileName };
}

/** Written atomically (orchestrator/atomic-file.ts), readable by the portal's user alone: never half a dump. */
async function writeAtomically(dir: string, fileName: string, contents: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomically(path.join(dir, fileName), contents, { mode: 0o600 });
  } catch (error) {
    throw new OrchestratorError(
      `Could not write the final dump to ${dir} (${(error as Error).message}). Check that the dumps folder exists, is writable and has space; the job retries.`,
      { transient: true, cause: error },
    );
  }
}

async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** What a final dump file is sealed with: its name, so a file renamed or swapped does not open. */
export function dumpContext(fileName: string): string {
  return `dump/${fileName}`;
}

/** A name inside the dumps folder, never a path: refuses separators and "..". */
function safeFileName(fileName: string): string {
  if (fileName !== path.basename(fileName) || fileName === "." || fileName === ".." || fileName.includes("\0")) {
    throw new OrchestratorError(`${JSON.stringify(fileName)} is not a dump file name (a name in the dumps folder, no path).`, { transient: false });
  }
  return fileName;
}
