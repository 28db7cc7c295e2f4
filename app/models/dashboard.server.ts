// The admin dashboard's figures and its 30-day chart of signups and conversions.
import type { PrismaClient } from "../../prisma/generated/client.ts";

const DAY = 86_400_000;

export async function dashboardFigures(prisma: PrismaClient, now: Date) {
  const in7Days = new Date(now.getTime() + 7 * DAY);
  const since = new Date(now.getTime() - 29 * DAY);
  since.setUTCHours(0, 0, 0, 0);
  const [activeTrials, endingSoon, paying, failed, signups, conversions] = await Promise.all([
    prisma.subscription.count({ where: { status: "trialing", trialEndsAt: { gt: now } } }),
    prisma.subscription.count({ where: { status: "trialing", trialEndsAt: { gt: now, lte: in7Days } } }),
    prisma.subscription.count({ where: { status: "active" } }),
    prisma.tenant.count({ where: { actualState: "failed" } }),
    prisma.subscription.findMany({ where: { createdAt: { gte: since } }, select: { createdAt: true } }),
    // A conversion: an operator's (subscription.converted) or Stripe's (activated from a trial, issue 12).
    prisma.auditLog.findMany({ where: { action: { in: ["subscription.converted", "subscription.activated"] }, at: { gte: since } }, select: { at: true, action: true, details: true } }),
  ]);
  const days = Array.from({ length: 30 }, (_, i) => {
    const day = new Date(since.getTime() + i * DAY);
    return { day: day.toISOString().slice(0, 10), signups: 0, conversions: 0 };
  });
  const byDay = new Map(days.map((d) => [d.day, d]));
  for (const s of signups) {
    const entry = byDay.get(s.createdAt.toISOString().slice(0, 10));
    if (entry) entry.signups += 1;
  }
  for (const c of conversions) {
    const from = (c.details as Record<string, unknown> | null)?.from;
    if (c.action === "subscription.activated" && from !== "trialing" && from !== "expired") continue;
    const entry = byDay.get(c.at.toISOString().slice(0, 10));
    if (entry) entry.conversions += 1;
  }
  return { activeTrials, endingSoon, paying, failed, days };
}
