// The `backup-verification` task (issue 13), weekly on Sunday at 04:00 UTC: for up to
// verifyPerRun tenants (default 3), those whose last verification is oldest first (never verified
// first), the tenant's latest finished backup not yet verified is restored into a temporary stack
// and checked (verify.ts). The result is recorded on the backup (verifyStatus passed or failed,
// verifiedAt, verifyError) and audited; a failure raises an operator alert, once per backup. A
// backup already verified is not verified again, so a run taken over after a crash repeats nothing
// it finished. Destroyed tenants are left out (their pre-termination backup is kept, not proved).
import { writeAudit } from "../audit/audit-log.ts";
import { raiseNotification } from "../notify/alerts.ts";
import { weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import type { BackupScheduleSettings } from "./schedule-settings.ts";
import { verifyBackupRestore, type BackupToVerify } from "./verify.ts";

interface Candidate extends BackupToVerify {
  slug: string;
  createdAt: Date;
}

/** The backups this run verifies, in order. */
export async function backupsToVerify(deps: SchedulerDeps, perRun: number): Promise<Candidate[]> {
  const rows = await deps.prisma.tenantBackup.findMany({
    where: { status: "succeeded", tenant: { actualState: { notIn: ["destroyed", "destroying"] } } },
    orderBy: { createdAt: "desc" },
    select: { id: true, tenantId: true, fileName: true, sha256: true, rowCounts: true, createdAt: true, verifyStatus: true, verifiedAt: true, tenant: { select: { slug: true } } },
  });
  const tenants = new Map<string, { latest: (typeof rows)[number]; lastVerified: number }>();
  for (const row of rows) {
    const seen = tenants.get(row.tenantId);
    const verified = row.verifiedAt?.getTime() ?? 0;
    if (!seen) tenants.set(row.tenantId, { latest: row, lastVerified: verified });
    else seen.lastVerified = Math.max(seen.lastVerified, verified);
  }
  return [...tenants.values()]
    .filter((tenant) => tenant.latest.verifyStatus === null)
    .sort((a, b) => a.lastVerified - b.lastVerified)
    .slice(0, perRun)
    .map(({ latest }) => ({
      id: latest.id,
      tenantId: latest.tenantId,
      slug: latest.tenant.slug,
      fileName: latest.fileName,
      sha256: latest.sha256,
      rowCounts: (latest.rowCounts as Record<string, number> | null) ?? null,
      createdAt: latest.createdAt,
    }));
}

/** Verifies one backup and records the outcome (row, audit, alert on failure). */
export async function verifyAndRecord(deps: SchedulerDeps, backup: Candidate, signal?: AbortSignal): Promise<boolean> {
  const outcome = await verifyBackupRestore(deps, backup, signal);
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.tenantBackup.update({
      where: { id: backup.id },
      data: { verifyStatus: outcome.ok ? "passed" : "failed", verifiedAt: now, verifyError: outcome.ok ? null : outcome.error.slice(0, 2000) },
    });
    await writeAudit(tx, {
      actorType: "system",
      actorId: "scheduler",
      action: outcome.ok ? "tenant.backup_verified" : "tenant.backup_verify_failed",
      tenantId: backup.tenantId,
      outcome: outcome.ok ? "succeeded" : "failed",
      details: outcome.ok ? { backupId: backup.id, tables: outcome.tables, rows: outcome.rows } : { backupId: backup.id, error: outcome.error.slice(0, 500) },
    });
    if (!outcome.ok) {
      await raiseNotification(tx, {
        idempotencyKey: `alert.backup_verification_failed:${backup.id}`,
        kind: "alert.backup_verification_failed",
        severity: "critical",
        title: `A backup of tenant ${backup.slug} failed its restore check`,
        fields: { tenant: backup.slug, tenantId: backup.tenantId, backupId: backup.id, takenAt: backup.createdAt.toISOString(), error: outcome.error.slice(0, 500) },
      });
    }
  });
  return outcome.ok;
}

export function backupVerificationTask(deps: SchedulerDeps, settings: Pick<BackupScheduleSettings, "verifyPerRun">): ScheduledTask {
  return {
    name: "backup-verification",
    description: `Restores the latest backup of ${settings.verifyPerRun} tenant(s) into a temporary stack and checks it`,
    period: weekly(0, 4),
    async run(context) {
      if (!deps.tenantBackups) return { verified: 0, passed: 0, failed: 0 };
      let passed = 0;
      let failed = 0;
      for (const backup of await backupsToVerify(deps, settings.verifyPerRun)) {
        context.signal.throwIfAborted();
        if (await verifyAndRecord(deps, backup, context.signal)) passed += 1;
        else failed += 1;
      }
      if (passed + failed > 0) context.logger.info("tenant backups verified", { passed, failed });
      return { verified: passed + failed, passed, failed };
    },
  };
}
