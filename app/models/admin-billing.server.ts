// The console's billing reads (issue 12), through orchestrator.billing: the tenant page's Billing card
// (the subscription's Stripe state and last events) and the dashboard's billing figures (trial-only or
// not, MRR, paying subscriptions by plan, conversions per week). Dates go out as ISO strings.
import type { SubscriptionBillingState } from "../../orchestrator/index.ts";
import type { AppServices } from "~/services.server";

/** A value as it crosses to the browser: dates as ISO strings, the rest as it is. */
type OnTheWire<T> = T extends Date ? string : T extends (infer Item)[] ? OnTheWire<Item>[] : T extends object ? { [K in keyof T]: OnTheWire<T[K]> } : T;

export interface TenantBillingCard {
  stripeConfigured: boolean;
  /** The orchestrator's SubscriptionBillingState without its internal marks (past-due start, state time). */
  state: OnTheWire<Omit<SubscriptionBillingState, "pastDueSince" | "stripeStateAt">> | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function tenantBillingCard(services: Pick<AppServices, "prisma" | "orchestrator">, tenantId: string): Promise<TenantBillingCard | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { subscriptionId: true } });
  if (!tenant) return null;
  const billing = services.orchestrator.billing;
  const state = tenant.subscriptionId ? await billing.subscriptionState(tenant.subscriptionId) : null;
  if (!state) return { stripeConfigured: billing.stripeConfigured, state: null };
  const { pastDueSince: _pastDueSince, stripeStateAt: _stripeStateAt, ...shown } = state;
  return {
    stripeConfigured: billing.stripeConfigured,
    state: {
      ...shown,
      currentPeriodEnd: iso(state.currentPeriodEnd),
      graceEndsAt: iso(state.graceEndsAt),
      endedAt: iso(state.endedAt),
      events: state.events.map((e) => ({ ...e, createdAt: e.createdAt.toISOString(), receivedAt: e.receivedAt.toISOString() })),
    },
  };
}

export interface DashboardBilling {
  stripeConfigured: boolean;
  mrr: { currency: string; amount: number }[];
  paying: { plan: string; count: number }[];
  unpricedPaying: number;
  conversionsPerWeek: { weekStart: string; count: number }[];
}

export async function dashboardBilling(services: Pick<AppServices, "orchestrator">, weeks = 8): Promise<DashboardBilling> {
  const billing = services.orchestrator.billing;
  const overview = await billing.overview(weeks);
  return {
    stripeConfigured: billing.stripeConfigured,
    mrr: overview.mrr,
    paying: overview.paying,
    unpricedPaying: overview.unpricedPaying,
    conversionsPerWeek: overview.conversionsPerWeek.map((w) => ({ weekStart: w.weekStart.toISOString().slice(0, 10), count: w.count })),
  };
}
