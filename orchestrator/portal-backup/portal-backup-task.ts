// The daily backup of the portal's own database (a scheduled task): one backup a day, then the
// backups older than the retention are deleted. The scheduler runs it once per day across every
// process (ScheduledRun); a failure is retried, then the operators are alerted (the scheduler's
// onRunFailed). Should a run be taken over after a crash, a second file for the day is harmless:
// retention deletes it with the others.
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { daily } from "../scheduler/periods.ts";
import type { ScheduledTask, TaskContext, TaskSummary } from "../scheduler/task.ts";
import { backupTimeOf, writePortalBackup } from "./backup.ts";

const DAY_MS = 86_400_000;

export interface PortalBackupSettings {
  /** Folder the backups are written to. */
  dir: string;
  /** Days a backup is kept; 0 turns the daily backup off. */
  retentionDays: number;
}

export interface PortalBackupDeps {
  prisma: PrismaClient;
  clock: Clock;
  /** The secrets key now (it changes when the process learns of a key rotation). */
  secretKey: () => Buffer;
  settings: PortalBackupSettings;
}

export function portalBackupTask(deps: PortalBackupDeps): ScheduledTask {
  return {
    name: "portal-backup",
    description: `Backs up the portal's own database; deletes backups older than ${deps.settings.retentionDays} days`,
    period: daily(2),
    run: (context) => runPortalBackup(deps, context),
  };
}

/** One backup into `dir`, audited as written by the scheduler or by an operator's command. */
export async function backUpPortalDatabase(deps: Omit<PortalBackupDeps, "settings">, dir: string, actorId: "scheduler" | "operator") {
  const report = await writePortalBackup({ prisma: deps.prisma, secretKey: deps.secretKey(), clock: deps.clock, dir });
  await writeAudit(deps.prisma, {
    actorType: "system",
    actorId,
    action: "portal.backup_written",
    outcome: "succeeded",
    details: { file: path.basename(report.file), bytes: report.bytes, rows: report.rows },
  });
  return report;
}

export async function runPortalBackup(deps: PortalBackupDeps, context: Pick<TaskContext, "asOf" | "logger">): Promise<TaskSummary> {
  const report = await backUpPortalDatabase(deps, deps.settings.dir, "scheduler");
  // Counted back from the earlier of asOf and the clock: trying a future date with
  // `tasks run-due --at` never deletes today's backups.
  const cutoff = new Date(Math.min(context.asOf.getTime(), deps.clock.now().getTime()) - deps.settings.retentionDays * DAY_MS);
  const deleted = await deleteBackupsBefore(deps.settings.dir, cutoff, path.basename(report.file));
  context.logger.info("portal backup written", { file: report.file, bytes: report.bytes, rows: report.rows, deleted });
  return { file: path.basename(report.file), bytes: report.bytes, rows: report.rows, deleted };
}

/** Deletes the backups (by their names' time) written before `cutoff`, never `keep`. */
export async function deleteBackupsBefore(dir: string, cutoff: Date, keep: string): Promise<number> {
  let deleted = 0;
  for (const name of await readdir(dir)) {
    const at = backupTimeOf(name);
    if (!at || name === keep || at.getTime() >= cutoff.getTime()) continue;
    await rm(path.join(dir, name), { force: true });
    deleted++;
  }
  return deleted;
}
