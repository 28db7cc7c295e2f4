// The figures of the weekly report, counted from the database for the week before `periodStart`
// (the start of the report's period, Monday 07:00 UTC): signups (subscriptions created),
// conversions (subscription.converted entries), trials ending in the 7 days after it, failures
// (failed jobs and tenant.*_failed entries), and usage totals from the latest sample of each live
// tenant in the week. Counts and ids only, never a customer's personal data.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { NotificationFields } from "./alerts.ts";

const DAY = 24 * 60 * 60_000;

export interface WeeklyFigures extends NotificationFields {
  weekStart: string;
  weekEnd: string;
  signups: number;
  conversions: number;
  trialsEndingSoon: number;
  failedJobs: number;
  failedActions: number;
  liveTenants: number;
  tenantsMeasured: number;
  cpuPercent: number;
  memoryBytes: number;
  diskBytes: number;
}

export async function weeklyFigures(prisma: PrismaClient, periodStart: Date): Promise<WeeklyFigures> {
  const from = new Date(periodStart.getTime() - 7 * DAY);
  const to = periodStart;
  const week = { gte: from, lt: to };
  // A tenant is live until it is destroyed (terminated tenants end destroyed too).
  const live = { actualState: { not: "destroyed" as const } };
  const [signups, conversions, trialsEndingSoon, failedJobs, failedActions, liveTenants, samples] = await Promise.all([
    prisma.subscription.count({ where: { createdAt: week } }),
    prisma.auditLog.count({ where: { action: "subscription.converted", at: week } }),
    prisma.subscription.count({ where: { status: "trialing", trialEndsAt: { gte: to, lt: new Date(to.getTime() + 7 * DAY) } } }),
    prisma.provisioningJob.count({ where: { status: "failed", finishedAt: week } }),
    prisma.auditLog.count({ where: { action: { startsWith: "tenant.", endsWith: "_failed" }, at: week } }),
    prisma.tenant.count({ where: live }),
    // The latest sample of each live tenant within the week.
    prisma.usageSample.findMany({
      where: { at: week, tenant: live },
      orderBy: [{ tenantId: "asc" }, { at: "desc" }],
      distinct: ["tenantId"],
      select: { cpuPercent: true, memoryBytes: true, diskBytes: true },
    }),
  ]);
  return {
    weekStart: from.toISOString(),
    weekEnd: to.toISOString(),
    signups,
    conversions,
    trialsEndingSoon,
    failedJobs,
    failedActions,
    liveTenants,
    tenantsMeasured: samples.length,
    cpuPercent: Math.round(samples.reduce((sum, s) => sum + s.cpuPercent, 0) * 10) / 10,
    memoryBytes: Number(samples.reduce((sum, s) => sum + s.memoryBytes, 0n)),
    diskBytes: Number(samples.reduce((sum, s) => sum + (s.diskBytes ?? 0n), 0n)),
  };
}
