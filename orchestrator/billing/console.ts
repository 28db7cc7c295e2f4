// What the console shows of billing (read only): a subscription's Stripe state with its last events,
// and the dashboard's figures: monthly recurring revenue (active and past_due subscriptions' prices
// brought to a month, per currency, with the count by plan) and conversions per week (a trial that
// became paid: subscription.activated from trialing or expired, or an operator's subscription.converted).
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { DAY_MS } from "./stripe-state.ts";

export interface SubscriptionBillingState {
  status: string;
  plan: string;
  stripeStatus: string | null;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  stripePriceId: string | null;
  billingInterval: string | null;
  priceAmount: number | null;
  priceCurrency: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  graceEndsAt: Date | null;
  endedAt: Date | null;
  stripeStateAt: Date | null;
  events: { id: string; type: string; createdAt: Date; receivedAt: Date; outcome: string }[];
}

export async function subscriptionBillingState(prisma: PrismaClient, subscriptionId: string, eventCount = 20): Promise<SubscriptionBillingState | null> {
  const row = await prisma.subscription.findUnique({ where: { id: subscriptionId } });
  if (!row) return null;
  const events = await prisma.stripeEvent.findMany({
    where: { subscriptionId },
    orderBy: [{ createdAt: "desc" }, { receivedAt: "desc" }],
    take: eventCount,
    select: { id: true, type: true, createdAt: true, receivedAt: true, outcome: true },
  });
  return {
    status: row.status,
    plan: row.plan,
    stripeStatus: row.stripeStatus,
    stripeCustomerId: row.stripeCustomerId,
    stripeSubscriptionId: row.stripeSubscriptionId,
    stripePriceId: row.stripePriceId,
    billingInterval: row.billingInterval,
    priceAmount: row.stripePriceAmount,
    priceCurrency: row.stripePriceCurrency,
    currentPeriodEnd: row.currentPeriodEnd,
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    pastDueSince: row.pastDueSince,
    graceEndsAt: row.graceEndsAt,
    endedAt: row.endedAt,
    stripeStateAt: row.stripeStateAt,
    events,
  };
}

export interface BillingOverview {
  /** Per currency: the monthly-equivalent amount in its smallest unit (a yearly price counts a twelfth). */
  mrr: { currency: string; amount: number }[];
  /** Paying subscriptions (active or in grace) by plan, with those whose amount is unknown. */
  paying: { plan: string; count: number }[];
  unpricedPaying: number;
  /** Conversions (trial → paid) per week, oldest first; weeks start on Monday (UTC). */
  conversionsPerWeek: { weekStart: Date; count: number }[];
}

/** Monday 00:00 UTC of the week holding `at`. */
export function weekStart(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY_MS);
}

/** A price per interval as a month's worth (rounded to the smallest unit). */
export function monthlyEquivalent(amount: number, interval: string | null): number {
  return interval === "year" ? Math.round(amount / 12) : amount;
}

export async function billingOverview(prisma: PrismaClient, asOf: Date, weeks = 8): Promise<BillingOverview> {
  const paying = await prisma.subscription.findMany({
    where: { status: { in: ["active", "past_due"] } },
    select: { plan: true, stripePriceAmount: true, stripePriceCurrency: true, billingInterval: true },
  });
  const mrr = new Map<string, number>();
  const byPlan = new Map<string, number>();
  let unpricedPaying = 0;
  for (const row of paying) {
    byPlan.set(row.plan, (byPlan.get(row.plan) ?? 0) + 1);
    if (row.stripePriceAmount === null || !row.stripePriceCurrency) {
      unpricedPaying += 1;
      continue;
    }
    const currency = row.stripePriceCurrency.toLowerCase();
    mrr.set(currency, (mrr.get(currency) ?? 0) + monthlyEquivalent(row.stripePriceAmount, row.billingInterval));
  }
  const firstWeek = new Date(weekStart(asOf).getTime() - (weeks - 1) * 7 * DAY_MS);
  const entries = await prisma.auditLog.findMany({
    where: { action: { in: ["subscription.activated", "subscription.converted"] }, at: { gte: firstWeek, lte: asOf } },
    select: { action: true, at: true, details: true },
  });
  const counts = new Map<number, number>();
  for (const entry of entries) {
    const from = (entry.details as Record<string, unknown> | null)?.from;
    if (entry.action === "subscription.activated" && from !== "trialing" && from !== "expired") continue;
    const week = weekStart(entry.at).getTime();
    counts.set(week, (counts.get(week) ?? 0) + 1);
  }
  const conversionsPerWeek = Array.from({ length: weeks }, (_, i) => {
    const start = new Date(firstWeek.getTime() + i * 7 * DAY_MS);
    return { weekStart: start, count: counts.get(start.getTime()) ?? 0 };
  });
  return {
    mrr: [...mrr].map(([currency, amount]) => ({ currency, amount })).sort((a, b) => a.currency.localeCompare(b.currency)),
    paying: [...byPlan].map(([plan, count]) => ({ plan, count })).sort((a, b) => a.plan.localeCompare(b.plan)),
    unpricedPaying,
    conversionsPerWeek,
  };
}
