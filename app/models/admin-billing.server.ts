// The console's billing reads (issue 12), through orchestrator.billing: the tenant page's Billing card
// (the subscription's Stripe state and last events) and the dashboard's billing figures (trial-only or
// not, MRR, paying subscriptions by plan, conversions per week). Dates go out as ISO strings.
import type { AppServices } from "~/services.server";

export interface TenantBillingCard {
  stripeConfigured: boolean;
  state: {
    status: string;
    plan: string;
    stripeStatus: string | null;
    stripeCustomerId: string | null;
    stripeSubscriptionId: string | null;
    stripePriceId: string | null;
    billingInterval: string | null;
    priceAmount: number | null;
    priceCurrency: string | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
    graceEndsAt: string | null;
    endedAt: string | null;
    events: { id: string; type: string; createdAt: string; receivedAt: string; outcome: string }[];
  } | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function tenantBillingCard(services: Pick<AppServices, "prisma" | "orchestrator">, tenantId: string): Promise<TenantBillingCard | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { subscriptionId: true } });
  if (!tenant) return null;
  const billing = services.orchestrator.billing;
  const state = tenant.subscriptionId ? await billing.subscriptionState(tenant.subscriptionId) : null;
  return {
    stripeConfigured: billing.stripeConfigured,
    state: state
      ? {
          status: state.status,
          plan: state.plan,
          stripeStatus: state.stripeStatus,
          stripeCustomerId: state.stripeCustomerId,
          stripeSubscriptionId: state.stripeSubscriptionId,
          stripePriceId: state.stripePriceId,
          billingInterval: state.billingInterval,
          priceAmount: state.priceAmount,
          priceCurrency: state.priceCurrency,
          currentPeriodEnd: iso(state.currentPeriodEnd),
          cancelAtPeriodEnd: state.cancelAtPeriodEnd,
          graceEndsAt: iso(state.graceEndsAt),
          endedAt: iso(state.endedAt),
          events: state.events.map((e) => ({ id: e.id, type: e.type, createdAt: e.createdAt.toISOString(), receivedAt: e.receivedAt.toISOString(), outcome: e.outcome })),
        }
      : null,
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
