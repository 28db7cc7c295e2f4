// The settings of scheduled tenant backups (issue 13), validated by the portal
// (app/config.server.ts) and passed in: how often each active tenant is backed up
// (daily, weekly or off; a plan may set its own), how many backups retention keeps (daily, weekly, monthly), how many
// tenants a verification run restores. Plus the schedule's periods: a
// daily schedule's period starts at 02:00 UTC, a weekly one on Sunday at 02:00 UTC.
import { daily, weekly, type Period } from "../scheduler/periods.ts";

export type BackupSchedule = "daily" | "weekly" | "off";

export interface BackupScheduleSettings {
  /** How often each active tenant gets a scheduled backup (default daily). */
  schedule: BackupSchedule;
  /** Retention's counts (default 7 daily, 4 weekly, 6 monthly); see retention.ts. */
  keep: { daily: number; weekly: number; monthly: number };
  /** Tenants whose latest backup a verification run restores (default 3). */
  verifyPerRun: number;
  /** Scheduled backups queued or running at one time (default 3): the rest wait for the next pass. */
  maxInFlight: number;
  /** A plan's own schedule (the plans file's backupSchedule), by Subscription.plan; undefined: `schedule`. */
  scheduleOfPlan?: (plan: string) => BackupSchedule | undefined;
}

/** A tenant's schedule: its plan's when the plan sets one, else the portal's. */
export function tenantSchedule(settings: Pick<BackupScheduleSettings, "schedule" | "scheduleOfPlan">, plan: string | null | undefined): BackupSchedule {
  return settings.scheduleOfPlan?.(plan ?? "trial") ?? settings.schedule;
}

export const DEFAULT_BACKUP_SCHEDULE: BackupScheduleSettings = {
  schedule: "daily",
  keep: { daily: 7, weekly: 4, monthly: 6 },
  verifyPerRun: 3,
  maxInFlight: 3,
};

/** The schedule's period, or null when scheduled backups are off. */
export function schedulePeriod(schedule: BackupSchedule): Period | null {
  if (schedule === "daily") return daily(2);
  if (schedule === "weekly") return weekly(0, 2);
  return null;
}

/** The start of the period `count` periods before the one starting at `start`. */
export function periodsBefore(period: Period, start: Date, count: number): Date {
  const length = period.next(start).getTime() - start.getTime();
  return new Date(start.getTime() - count * length);
}
