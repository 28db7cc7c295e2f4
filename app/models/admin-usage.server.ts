// What the console reads of the usage samples (written hourly by orchestrator/usage/): one
// tenant's series for its page's chart, and the dashboard's totals (the latest sample of each
// active tenant). Byte counts become plain numbers here, so loaders can send them as JSON.
import type { PrismaClient } from "../../prisma/generated/client.ts";

const DAY_MS = 86_400_000;
/** How far back the tenant page's chart goes. */
export const USAGE_CHART_DAYS = 30;

export interface UsagePoint {
  at: string;
  cpuPercent: number;
  memoryBytes: number;
  diskBytes: number | null;
}

/** The tenant's samples of the last `days` days, oldest first. */
export async function tenantUsageSeries(prisma: PrismaClient, tenantId: string, now: Date, days = USAGE_CHART_DAYS): Promise<UsagePoint[]> {
  const rows = await prisma.usageSample.findMany({
    where: { tenantId, at: { gte: new Date(now.getTime() - days * DAY_MS), lte: now } },
    orderBy: { at: "asc" },
    select: { at: true, cpuPercent: true, memoryBytes: true, diskBytes: true },
  });
  return rows.map((r) => ({
    at: r.at.toISOString(),
    cpuPercent: r.cpuPercent,
    memoryBytes: Number(r.memoryBytes),
    diskBytes: r.diskBytes === null ? null : Number(r.diskBytes),
  }));
}

export interface UsageTotals {
  /** Active tenants with at least one sample. */
  tenants: number;
  cpuPercent: number;
  memoryBytes: number;
  /** The sum over the tenants whose disk use is known; diskUnknown counts the others. */
  diskBytes: number;
  diskUnknown: number;
  /** The newest of the samples summed (null when there is none). */
  latestAt: string | null;
}

/** The sum of the latest sample of each active tenant. */
export async function usageTotals(prisma: PrismaClient): Promise<UsageTotals> {
  const latest = await prisma.usageSample.findMany({
    where: { tenant: { actualState: "active" } },
    distinct: ["tenantId"],
    orderBy: [{ tenantId: "asc" }, { at: "desc" }],
    select: { at: true, cpuPercent: true, memoryBytes: true, diskBytes: true },
  });
  const totals: UsageTotals = { tenants: latest.length, cpuPercent: 0, memoryBytes: 0, diskBytes: 0, diskUnknown: 0, latestAt: null };
  let newest = 0;
  for (const s of latest) {
    totals.cpuPercent += s.cpuPercent;
    totals.memoryBytes += Number(s.memoryBytes);
    if (s.diskBytes === null) totals.diskUnknown++;
    else totals.diskBytes += Number(s.diskBytes);
    newest = Math.max(newest, s.at.getTime());
  }
  totals.cpuPercent = Math.round(totals.cpuPercent * 100) / 100;
  totals.latestAt = newest ? new Date(newest).toISOString() : null;
  return totals;
}
