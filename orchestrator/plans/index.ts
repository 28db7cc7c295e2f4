// The plan catalogue (issue 12): the vendor's plans from the plans file, checked at boot. See
// plan-schema.ts for the file's form and catalog.ts for the lookups the rest of the code uses.
export { loadPlans, parsePlans, PlansError } from "./load.ts";
export { planCatalog, LEGACY_TRIAL_PLAN, type PlanCatalog } from "./catalog.ts";
export { queuePlanChange, type PlanChange } from "./queue-plan-change.ts";
export { planResources, type Plan, type PlansFile, type BillingInterval } from "./plan-schema.ts";
export type { ContainerResources } from "../driver.ts";
