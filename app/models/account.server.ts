// The customer's account page (issue 12): what the status page shows (app/models/trial-status.server.ts)
// plus where the login details were sent (the address, masked a little), the days left in the trial,
// the plan and its billing state, and which billing form fits (subscribe with a plan and an interval,
// or manage billing in Stripe's portal). The page's token is the only key: nothing here takes a
// customer id from the request.
import type { PlanCatalog } from "../../orchestrator/index.ts";
import type { AppServices } from "~/services.server";
import { findTrialStatus } from "./trial-status.server";

const DAY_MS = 86_400_000;
/** Our statuses in which the customer pays (or paid) through Stripe: the portal manages it. */
const PAID_STATUSES = new Set(["active", "past_due", "suspended"]);

/** ja•••@example.com: enough for the customer to recognise it, not the whole address on a screen. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "•••";
  const local = email.slice(0, at);
  const shown = local.length <= 2 ? local.slice(0, 1) : local.slice(0, 2);
  return `${shown}•••${email.slice(at)}`;
}

/** Whole days left until `end` (rounded up: 29.2 days is "30 days left"); 0 once it has passed. */
export function daysLeft(end: Date, now: Date): number {
  return Math.max(0, Math.ceil((end.getTime() - now.getTime()) / DAY_MS));
}

export interface PlanChoice {
  id: string;
  name: string;
  monthly: boolean;
  yearly: boolean;
}

/** The plans a customer can buy online (those with a Stripe price), in the catalogue's order. */
export function plansForSale(plans: PlanCatalog | undefined, locale: "en" | "fr"): PlanChoice[] {
  return (plans?.all() ?? [])
    .filter((plan) => plan.stripePrices?.monthly || plan.stripePrices?.yearly)
    .map((plan) => ({ id: plan.id, name: plan.names[locale], monthly: Boolean(plan.stripePrices?.monthly), yearly: Boolean(plan.stripePrices?.yearly) }));
}

export type AccountServices = Pick<AppServices, "prisma" | "config" | "now"> & { plans?: PlanCatalog; billingConfigured: boolean };

export async function findAccount(services: AccountServices, statusToken: string, locale: "en" | "fr") {
  const status = await findTrialStatus(services.prisma, statusToken, services.config.orchestrator.tenantUrl);
  if (!status) return null;
  const tenant = await services.prisma.tenant.findUniqueOrThrow({
    where: { statusToken },
    select: {
      id: true,
      desiredState: true,
      customer: { select: { email: true } },
      subscription: { select: { id: true, plan: true, status: true, trialEndsAt: true, billingInterval: true, currentPeriodEnd: true, cancelAtPeriodEnd: true, graceEndsAt: true, stripeCustomerId: true } },
    },
  });
  const now = services.now();
  const sub = tenant.subscription;
  const plan = sub ? services.plans?.forSubscription(sub.plan) : undefined;
  const closing = tenant.desiredState === "destroyed" || status.actualState === "destroyed";
  const trialing = sub?.status === "trialing";
  return {
    ...status,
    tenantId: tenant.id,
    closing,
    sentTo: maskEmail(tenant.customer.email),
    plan: {
      name: plan ? plan.names[locale] : (sub?.plan ?? null),
      status: sub?.status ?? null,
      interval: sub?.billingInterval === "year" ? ("year" as const) : sub?.billingInterval === "month" ? ("month" as const) : null,
      periodEnd: sub?.currentPeriodEnd?.toISOString() ?? null,
      cancelAtPeriodEnd: sub?.cancelAtPeriodEnd ?? false,
      graceEndsAt: sub?.graceEndsAt?.toISOString() ?? null,
      daysLeft: trialing && sub?.trialEndsAt ? daysLeft(sub.trialEndsAt, now) : null,
    },
    billing: {
      configured: services.billingConfigured,
      // Subscribe while on a trial or after it ended unpaid or canceled; manage once Stripe knows the customer.
      canSubscribe: !closing && services.billingConfigured && !!sub && !PAID_STATUSES.has(sub.status),
      canManage: !closing && services.billingConfigured && !!sub?.stripeCustomerId,
      plans: plansForSale(services.plans, locale),
      handoff: services.config.billing.trialHandoff === "remaining-days" && trialing && sub?.trialEndsAt !== null && sub?.trialEndsAt !== undefined && sub.trialEndsAt.getTime() - now.getTime() > 2 * DAY_MS,
    },
    keptDays: services.config.time.eraseTerminatedAfterDays,
  };
}

export type Account = NonNullable<Awaited<ReturnType<typeof findAccount>>>;
