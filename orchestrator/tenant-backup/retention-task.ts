// The `backup-retention` task (issue 13), daily at 03:00 UTC:
// - deletes the tenant backups retention does not keep (retention.ts): the file first, then the
//   row marked deleted (status "deleted", deletedAt) and audited; a file already gone is fine, so a
//   run cut short is finished by the next one;
// - alerts the operators about each active tenant with no finished backup in the last two periods
//   of its schedule (its plan's, or the portal's; not before the tenant is two periods old), once per
//   tenant and period.
import { removeBackup } from "./s3-place.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { raiseNotification } from "../notify/alerts.ts";
import { daily } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { backupsToKeep, type RetentionPolicy } from "./retention.ts";
import { periodsBefore, schedulePeriod, tenantSchedule, type BackupScheduleSettings } from "./schedule-settings.ts";

/** Deletes what the policy does not keep; returns how many backups were deleted. */
export async function applyBackupRetention(deps: Pick<SchedulerDeps, "prisma" | "clock" | "tenantBackups">, policy: RetentionPolicy, asOf: Date, signal?: AbortSignal): Promise<number> {
  const place = deps.tenantBackups;
  if (!place?.dir) return 0;
  const rows = await deps.prisma.tenantBackup.findMany({
    where: { status: "succeeded" },
    select: { id: true, tenantId: true, reason: true, createdAt: true, fileName: true, tenant: { select: { slug: true, actualState: true } } },
  });
  const byTenant = new Map<string, typeof rows>();
  for (const row of rows) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row]);
  let deleted = 0;
  for (const [tenantId, backups] of byTenant) {
    signal?.throwIfAborted();
    const keep = backupsToKeep(backups, policy, asOf, backups[0]!.tenant.actualState === "destroyed");
    for (const backup of backups.filter((b) => !keep.has(b.id))) {
      // The local file and, with the bucket set, the object (either already gone is fine).
      if (backup.fileName) await removeBackup(place, backup.fileName);
      const done = await deps.prisma.$transaction(async (tx) => {
        const marked = await tx.tenantBackup.updateMany({ where: { id: backup.id, status: "succeeded" }, data: { status: "deleted", deletedAt: deps.clock.now() } });
        if (marked.count === 0) return false;
        await writeAudit(tx, {
          actorType: "system",
          actorId: "scheduler",
          action: "tenant.backup_deleted",
          tenantId,
          outcome: "succeeded",
          details: { backupId: backup.id, reason: backup.reason, takenAt: backup.createdAt.toISOString(), fileName: backup.fileName },
        });
        return true;
      });
      if (done) deleted += 1;
    }
  }
  return deleted;
}

/** Raises "no recent backup" for each active tenant without a finished backup in two periods of its schedule. */
export async function alertStaleBackups(deps: Pick<SchedulerDeps, "prisma">, settings: Pick<BackupScheduleSettings, "schedule" | "scheduleOfPlan">, asOf: Date): Promise<number> {
  const tenants = await deps.prisma.tenant.findMany({
    where: { actualState: "active", desiredState: "active" },
    select: { id: true, slug: true, createdAt: true, subscription: { select: { plan: true } } },
  });
  let alerted = 0;
  for (const tenant of tenants) {
    const schedule = tenantSchedule(settings, tenant.subscription?.plan);
    const period = schedulePeriod(schedule);
    if (!period) continue;
    const periodStart = period.startOf(asOf);
    const since = periodsBefore(period, periodStart, 2);
    if (tenant.createdAt >= since) continue;
    const recent = await deps.prisma.tenantBackup.findFirst({ where: { tenantId: tenant.id, status: { in: ["succeeded", "deleted"] }, createdAt: { gte: since } }, select: { id: true } });
    if (recent) continue;
    const latest = await deps.prisma.tenantBackup.findFirst({
      where: { tenantId: tenant.id, status: { in: ["succeeded", "deleted"] } },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true },
    });
    await raiseNotification(deps.prisma, {
      idempotencyKey: `alert.no_recent_backup:${tenant.id}:${periodStart.toISOString()}`,
      kind: "alert.no_recent_backup",
      severity: "warning",
      title: `No recent backup of tenant ${tenant.slug}`,
      fields: { tenant: tenant.slug, tenantId: tenant.id, since: since.toISOString(), schedule, latestAt: latest?.createdAt.toISOString() ?? null },
    });
    alerted += 1;
  }
  return alerted;
}

export function backupRetentionTask(deps: SchedulerDeps, settings: BackupScheduleSettings): ScheduledTask {
  const { keep } = settings;
  return {
    name: "backup-retention",
    description: `Deletes tenant backups beyond ${keep.daily} daily, ${keep.weekly} weekly and ${keep.monthly} monthly; alerts on tenants without a recent backup`,
    period: daily(3),
    async run(context) {
      const policy = { ...keep, fixedDays: deps.time.dumpRetentionDays };
      const deleted = await applyBackupRetention(deps, policy, context.asOf, context.signal);
      const staleAlerts = await alertStaleBackups(deps, settings, context.asOf);
      if (deleted + staleAlerts > 0) context.logger.info("tenant backup retention", { deleted, staleAlerts });
      return { deleted, staleAlerts };
    },
  };
}
