// The plan catalogue once loaded and checked: look a plan up by id (the legacy "trial" reads as the
// default plan), by a Stripe price id (for webhooks), or list them in the file's order.
import type { BillingInterval, Plan, PlansFile } from "./plan-schema.ts";

/** The id Subscription.plan held before plans existed; it reads as the default plan. */
export const LEGACY_TRIAL_PLAN = "trial";

export interface PlanCatalog {
  /** The file it was loaded from (for messages). */
  readonly file: string;
  readonly defaultPlan: Plan;
  /** The plan with this id; "trial" gives the default plan; undefined for an unknown id. */
  get(id: string): Plan | undefined;
  /** The plan a subscription is on: its plan, or the default plan when the value is unknown or legacy. */
  forSubscription(plan: string): Plan;
  /** Every plan, in the file's order. */
  all(): readonly Plan[];
  /** The plan and interval a Stripe price belongs to; undefined for a price of no plan. */
  byPriceId(priceId: string): { plan: Plan; interval: BillingInterval } | undefined;
}

/** Builds the catalogue from a file already validated (see load.ts, which checks the cross-entry rules). */
export function planCatalog(file: string, data: PlansFile): PlanCatalog {
  const plans = Object.freeze(data.plans.map((plan) => deepFreeze(structuredClone(plan))));
  const byId = new Map(plans.map((plan) => [plan.id, plan]));
  const defaultPlan = byId.get(data.defaultPlan);
  if (!defaultPlan) throw new Error(`planCatalog: defaultPlan "${data.defaultPlan}" is not in ${file} (validate with parsePlans first)`);
  const prices = new Map<string, { plan: Plan; interval: BillingInterval }>();
  for (const plan of plans) {
    if (plan.stripePrices?.monthly) prices.set(plan.stripePrices.monthly, { plan, interval: "month" });
    if (plan.stripePrices?.yearly) prices.set(plan.stripePrices.yearly, { plan, interval: "year" });
  }
  return {
    file,
    defaultPlan,
    get: (id) => (id === LEGACY_TRIAL_PLAN ? defaultPlan : byId.get(id)),
    forSubscription: (plan) => (plan === LEGACY_TRIAL_PLAN ? defaultPlan : (byId.get(plan) ?? defaultPlan)),
    all: () => plans,
    byPriceId: (priceId) => prices.get(priceId),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
