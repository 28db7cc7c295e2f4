// What /metrics reads from the database at scrape time: the job queue (depth, and how long the
// oldest due job has waited), the email outbox backlog, tenants by actual state and operators'
// notifications not yet delivered. Five cheap queries on indexed columns (status, actualState),
// run when Prometheus scrapes, never on a timer of their own.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { EmailStatus, JobStatus, NotificationStatus, TenantActualState } from "../../prisma/generated/enums.ts";

export const QUEUE_STATUSES = [JobStatus.queued, JobStatus.running] as const;
/** Rows still to deliver or given up on; "sent" ones are history, not backlog. */
export const BACKLOG_STATUSES = [EmailStatus.pending, EmailStatus.sending, EmailStatus.failed] as const;
export const NOTIFICATION_STATUSES = [NotificationStatus.pending, NotificationStatus.sending, NotificationStatus.failed] as const;
export const TENANT_STATES = Object.values(TenantActualState);

export interface DatabaseReading {
  /** Jobs queued (due or waiting for a retry delay) and running. */
  jobs: Record<(typeof QUEUE_STATUSES)[number], number>;
  /** Seconds since the oldest queued job became due (0 when none is due). */
  oldestDueJobSeconds: number;
  outbox: Record<(typeof BACKLOG_STATUSES)[number], number>;
  tenants: Record<TenantActualState, number>;
  notifications: Record<(typeof NOTIFICATION_STATUSES)[number], number>;
}

export async function readDatabaseGauges(prisma: PrismaClient, now: Date): Promise<DatabaseReading> {
  const [jobs, oldest, outbox, tenants, notifications] = await Promise.all([
    prisma.provisioningJob.groupBy({ by: ["status"], where: { status: { in: [...QUEUE_STATUSES] } }, _count: { _all: true } }),
    prisma.provisioningJob.findFirst({
      where: { status: JobStatus.queued, runAfter: { lte: now } },
      orderBy: { runAfter: "asc" },
      select: { runAfter: true },
    }),
    prisma.emailOutbox.groupBy({ by: ["status"], where: { status: { in: [...BACKLOG_STATUSES] } }, _count: { _all: true } }),
    prisma.tenant.groupBy({ by: ["actualState"], _count: { _all: true } }),
    prisma.operatorNotification.groupBy({ by: ["status"], where: { status: { in: [...NOTIFICATION_STATUSES] } }, _count: { _all: true } }),
  ]);
  return {
    jobs: tally(QUEUE_STATUSES, jobs.map((row) => [row.status, row._count._all])),
    oldestDueJobSeconds: oldest ? Math.max(0, (now.getTime() - oldest.runAfter.getTime()) / 1000) : 0,
    outbox: tally(BACKLOG_STATUSES, outbox.map((row) => [row.status, row._count._all])),
    tenants: tally(TENANT_STATES, tenants.map((row) => [row.actualState, row._count._all])),
    notifications: tally(NOTIFICATION_STATUSES, notifications.map((row) => [row.status, row._count._all])),
  };
}

/** Every expected key, 0 unless counted: a state with no row still shows as 0, not as missing. */
function tally<K extends string>(keys: readonly K[], counted: [string, number][]): Record<K, number> {
  const result = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const [key, count] of counted) if (key in result) result[key as K] = count;
  return result;
}
