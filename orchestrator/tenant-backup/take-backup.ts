// Taking one backup of a tenant's database (issue 13), for the backup job and for the restore job's
// pre-restore backup: the app's exact row counts (the template's rowCounts command), then the
// template's dump command streamed out of the database container (driver.execStream, as the
// container's local user: no password on a command line) through gzip and AES-256-GCM into a file
// of the backups folder (format.ts), recorded as a TenantBackup row with its size, duration,
// checksum and counts. The one writer of TenantBackup rows; one backup per job (the row is found
// again by the job's id), so a job run again after a crash repeats nothing it finished.
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { DumpPlan } from "../templates/dump.ts";
import { OrchestratorError } from "../errors.ts";
import type { JobContext } from "../jobs/run-job.ts";
import { auditActor } from "../lifecycle/job-records.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { tenantStack } from "../lifecycle/tenant-stack.ts";
import { keyFingerprint } from "../secrets.ts";
import { TENANT_BACKUP_EXTENSION, writeBackupFile } from "./format.ts";
import type { S3BackupStore } from "./s3-destination.ts";
import { backupExists, moveToBucket } from "./s3-place.ts";

export const BACKUP_REASONS = ["manual", "scheduled", "pre-upgrade", "pre-restore", "pre-termination"] as const;
export type BackupReason = (typeof BACKUP_REASONS)[number];

/** Where tenant backups go and the key they are sealed with (the secrets key, or a separate one). */
export interface TenantBackupSettings {
  dir: string;
  key: () => Buffer;
  /** The S3-compatible bucket backups are moved to once written (absent: they stay in `dir`). */
  s3?: S3BackupStore;
}

export function backupSettings(deps: LifecycleDeps): TenantBackupSettings {
  if (!deps.tenantBackups) {
    throw new OrchestratorError("Tenant backups are not configured in this process (no backups folder): give the orchestrator its backups folder.", {
      transient: false,
      setting: "backups.dir",
    });
  }
  return deps.tenantBackups;
}

export interface TakenBackup {
  id: string;
  fileName: string;
}

/**
 * The backup of this job (taken now, or found from an earlier run of the job). `tenant` is the
 * tenant whose database is dumped (the job's own).
 */
export async function takeBackup(deps: LifecycleDeps, context: JobContext, reason: BackupReason): Promise<TakenBackup> {
  const settings = backupSettings(deps);
  const tenantId = context.tenant.id;
  const existing = await deps.prisma.tenantBackup.findUnique({ where: { jobId: context.job.id } });
  if (existing?.status === "succeeded" && existing.fileName && (await backupExists(settings, existing.fileName))) {
    return { id: existing.id, fileName: existing.fileName };
  }
  const rendered = await tenantStack(deps, context);
  if (!rendered.dump) {
    throw new OrchestratorError(`Template ${deps.template.manifest.id} has no dump section: its tenants cannot be backed up. Add one to its manifest.json.`, {
      transient: false,
    });
  }
  const started = deps.clock.now();
  const row = await context.withLease((tx) =>
    tx.tenantBackup.upsert({
      where: { jobId: context.job.id },
      create: { tenantId, reason, status: "running", jobId: context.job.id, createdAt: started },
      update: { status: "running", error: null, createdAt: started },
    }),
  );
  const project = rendered.stack.project;
  const rowCounts = rendered.rowCounts ? await countRows(deps, project, rendered.rowCounts) : null;
  const key = settings.key();
  const fileName = `${tenantId}-${started.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${row.id.slice(0, 8)}${TENANT_BACKUP_EXTENSION}`;
  const plan = rendered.dump;
  const run = await deps.driver.execStream(project, plan.service, { command: plan.command, ...(plan.user ? { user: plan.user } : {}) });
  let written;
  try {
    written = await writeBackupFile(settings.dir, fileName, run.stdout, key, { tenantId, createdAt: started });
  } catch (error) {
    await run.done.catch(() => undefined);
    throw new OrchestratorError(
      `Could not write the backup to ${settings.dir} (${(error as Error).message}). Check that the backups folder exists, is writable and has space; the job retries.`,
      { transient: true, cause: error, setting: "backups.dir" },
    );
  }
  const outcome = await run.done;
  if (outcome.exitCode !== 0) {
    await rm(path.join(settings.dir, fileName), { force: true });
    throw new OrchestratorError(
      `The dump (${plan.command[0] ?? "dump"} in ${plan.service}) failed with exit code ${outcome.exitCode}: ${outcome.stderr.trim().slice(-500)}. ` +
        `Check the template's dump command and the database container's logs; the job retries.`,
      { transient: true },
    );
  }
  // With the bucket set: uploaded, its size checked, the local copy removed (a failure: transient, the file kept).
  const location = await moveToBucket(settings, fileName);
  const durationMs = Math.max(0, deps.clock.now().getTime() - started.getTime());
  await context.withLease(async (tx) => {
    await tx.tenantBackup.update({
      where: { id: row.id },
      data: {
        status: "succeeded",
        fileName,
        sizeBytes: BigInt(written.sizeBytes),
        sha256: written.sha256,
        durationMs,
        keyFingerprint: keyFingerprint(key),
        ...(rowCounts ? { rowCounts: rowCounts as Prisma.InputJsonValue } : {}),
        finishedAt: deps.clock.now(),
      },
    });
    await writeAudit(tx, {
      ...auditActor(context),
      action: "tenant.backup_taken",
      tenantId,
      outcome: "succeeded",
      details: { backupId: row.id, reason, fileName, location, sizeBytes: written.sizeBytes, sha256: written.sha256, durationMs, tables: Object.keys(rowCounts ?? {}).length },
    });
  });
  return { id: row.id, fileName };
}

/** The backup row of this job failed, its error kept (the job's markFailed audits it); in the caller's transaction. */
export async function recordBackupFailure(tx: Prisma.TransactionClient, context: JobContext, reason: string, now: Date): Promise<void> {
  await tx.tenantBackup.updateMany({
    where: { jobId: context.job.id, status: { not: "succeeded" } },
    data: { status: "failed", error: reason.slice(0, 2000), finishedAt: now },
  });
}

/** Exact counts of the app's tables: the template's rowCounts command, one "table\tcount" line each. */
export async function countRows(deps: LifecycleDeps, project: string, plan: DumpPlan): Promise<Record<string, number>> {
  const result = await deps.driver.exec(project, plan.service, { command: plan.command, ...(plan.user ? { user: plan.user } : {}) });
  if (result.exitCode !== 0) {
    throw new OrchestratorError(
      `Counting the app's rows (${plan.command[0] ?? "rowCounts"} in ${plan.service}) failed with exit code ${result.exitCode}: ${result.stderr.trim().slice(0, 500)}. ` +
        `Check the template's rowCounts command; the job retries.`,
      { transient: true },
    );
  }
  const counts: Record<string, number> = {};
  for (const line of result.stdout.split("\n")) {
    if (line.trim() === "") continue;
    const [table, count] = line.split("\t");
    const value = Number(count);
    if (!table || !Number.isSafeInteger(value)) {
      throw new OrchestratorError(`The template's rowCounts command printed ${JSON.stringify(line.slice(0, 200))}, not "<table>\\t<count>"; fix the command.`, {
        transient: false,
      });
    }
    counts[table] = value;
  }
  return counts;
}

