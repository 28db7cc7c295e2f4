// Scheduled tenant backups (issue 13): the `tenant-backups` task, every 5 minutes, queues a
// `scheduled` backup job for each active tenant that has none in its current schedule period
// (daily at 02:00 UTC by default, weekly, or off: schedule-settings.ts; its plan's schedule when the
// plans file sets one), a few at a time: no more
// than maxInFlight scheduled backups are queued or running at once, the rest wait for the next
// pass. Idempotent per period: a ScheduledBackup row (tenant, period) is inserted in the
// transaction that queues the job, and its unique key lets only one run (or process) do it.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { requestJob } from "../jobs/job-requests.ts";
import { everyMinutes } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { schedulePeriod, tenantSchedule, type BackupScheduleSettings } from "./schedule-settings.ts";

export interface ScheduleOutcome {
  /** Active tenants still without a scheduled backup in this period before the pass. */
  due: number;
  queued: number;
  /** Scheduled backups of this period queued or running when the pass began. */
  inFlight: number;
}

/** One pass as of `asOf`: queues what the in-flight limit allows. */
export async function queueScheduledBackups(
  prisma: PrismaClient,
  settings: Pick<BackupScheduleSettings, "schedule" | "maxInFlight" | "scheduleOfPlan">,
  asOf: Date,
  signal?: AbortSignal,
): Promise<ScheduleOutcome> {
  const active = await prisma.tenant.findMany({
    where: { actualState: "active", desiredState: "active" },
    select: { id: true, subscription: { select: { plan: true } } },
    orderBy: { createdAt: "asc" },
  });
  // Each tenant's current period under its own schedule; tenants whose schedule is off are left out.
  const scheduled = active.flatMap((tenant) => {
    const period = schedulePeriod(tenantSchedule(settings, tenant.subscription?.plan));
    return period ? [{ id: tenant.id, periodKey: period.startOf(asOf).toISOString() }] : [];
  });
  if (scheduled.length === 0) return { due: 0, queued: 0, inFlight: 0 };
  const done = await prisma.scheduledBackup.findMany({
    where: { periodKey: { in: [...new Set(scheduled.map((tenant) => tenant.periodKey))] } },
    select: { tenantId: true, periodKey: true, jobId: true },
  });
  const inFlight = await prisma.provisioningJob.count({ where: { id: { in: done.map((row) => row.jobId) }, status: { in: ["queued", "running"] } } });
  const doneKeys = new Set(done.map((row) => `${row.tenantId} ${row.periodKey}`));
  const due = scheduled.filter((tenant) => !doneKeys.has(`${tenant.id} ${tenant.periodKey}`));
  let queued = 0;
  for (const { id, periodKey } of due.slice(0, Math.max(0, settings.maxInFlight - inFlight))) {
    signal?.throwIfAborted();
    const mine = await prisma.$transaction(async (tx) => {
      const claimed = await tx.scheduledBackup.createMany({ data: [{ tenantId: id, periodKey, jobId: "" }], skipDuplicates: true });
      if (claimed.count === 0) return false;
      const jobId = await requestJob(tx, {
        tenantId: id,
        kind: "backup",
        requestedBy: "scheduler",
        parameters: { reason: "scheduled", period: periodKey },
        audit: { actorType: "system", actorId: "scheduler", action: "admin.backup", outcome: "queued", details: { reason: "scheduled", period: periodKey } },
      });
      await tx.scheduledBackup.update({ where: { tenantId_periodKey: { tenantId: id, periodKey } }, data: { jobId } });
      return true;
    });
    if (mine) queued += 1;
  }
  return { due: due.length, queued, inFlight };
}

export function tenantBackupsTask(deps: SchedulerDeps, settings: BackupScheduleSettings): ScheduledTask {
  const period = schedulePeriod(settings.schedule);
  return {
    name: "tenant-backups",
    description: period
      ? `Backs up each active tenant once per period (${period.description}), ${settings.maxInFlight} at a time`
      : "Scheduled tenant backups are off, except for plans with their own schedule",
    period: everyMinutes(5),
    async run(context) {
      const outcome = await queueScheduledBackups(deps.prisma, settings, context.asOf, context.signal);
      if (outcome.queued > 0) context.logger.info("scheduled tenant backups queued", { ...outcome });
      return { ...outcome };
    },
  };
}
