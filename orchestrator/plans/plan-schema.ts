// The schema of the vendor's plan catalogue (compose-templates/plans.json by default):
// each plan's id, its names in French and English, its trial length, its Stripe price ids, the
// resource limits its tenants' containers run with, how many tenants it takes, how many custom
// domains each may add and how often its tenants are backed up. Every object is strict: a misspelt key is an error, never ignored.
import { z } from "zod";
import type { ContainerResources } from "../driver.ts";

/** A plan id: what Subscription.plan holds. "trial" is the legacy value (it reads as the default plan). */
const planId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lowercase letters, digits and dashes (at most 40), starting with a letter or digit")
  .refine((id) => id !== "trial", 'must not be "trial" (the legacy value of Subscription.plan, read as the default plan)');

/** Stripe's price ids begin with price_; a vendor replaces the placeholders with their own. */
const priceId = z.string().regex(/^price_[A-Za-z0-9_]+$/, 'must be a Stripe price id ("price_…", letters, digits and underscores)');

const comment = z.string().optional();

export const planSchema = z.strictObject({
  $comment: comment,
  id: planId,
  names: z.strictObject({
    en: z.string().trim().min(1, "must be a non-empty English name"),
    fr: z.string().trim().min(1, "must be a non-empty French name"),
  }),
  /** The trial a signup on this plan gets (only the default plan's is used at signup). */
  trialDays: z.int("must be a whole number of days").min(1, "must be at least 1 day").max(365, "must be at most 365 days"),
  /** Absent: the plan cannot be bought, only given by an operator. */
  stripePrices: z
    .strictObject({ monthly: priceId.optional(), yearly: priceId.optional() })
    .refine((prices) => prices.monthly !== undefined || prices.yearly !== undefined, "must name a monthly or a yearly price (or leave stripePrices out)")
    .optional(),
  /** Applied to each container of the tenant's stack (app and database alike). */
  limits: z.strictObject({
    memoryMb: z.int("must be a whole number of mebibytes").min(64, "must be at least 64 (MiB)").max(1_048_576, "must be at most 1048576 (1 TiB)"),
    cpus: z
      .number("must be a number of CPUs")
      .min(0.01, "must be at least 0.01")
      .max(256, "must be at most 256")
      .refine((cpus) => Number.isInteger(Math.round(cpus * 100)) && Math.abs(cpus * 100 - Math.round(cpus * 100)) < 1e-9, "must have at most two decimals"),
  }),
  /** Absent: no limit. Signups stop (with a clear message) once this many live tenants are on the plan. */
  maxTenants: z.int("must be a whole number").min(1, "must be at least 1 (leave it out for no limit)").optional(),
  /** Absent: the portal's per-tenant setting. */
  customDomains: z.int("must be a whole number").min(0, "must be 0 or more").max(100, "must be at most 100").optional(),
  /** How often its tenants are backed up; absent: the portal's schedule setting. */
  backupSchedule: z.enum(["daily", "weekly", "off"], { message: "must be daily, weekly or off" }).optional(),
});

export const plansFileSchema = z.strictObject({
  $comment: comment,
  defaultPlan: planId,
  plans: z.array(planSchema).min(1, "must list at least one plan"),
});

export type Plan = z.infer<typeof planSchema>;
export type PlansFile = z.infer<typeof plansFileSchema>;
/** The billing interval of a Stripe price, as Subscription.billingInterval stores it. */
export type BillingInterval = "month" | "year";

/** The resources a plan's containers run with, in the engine's units. */
export function planResources(plan: Plan): ContainerResources {
  return { memoryBytes: plan.limits.memoryMb * 1024 * 1024, nanoCpus: Math.round(plan.limits.cpus * 1e9) };
}
