// The limits a tenant's containers run with: those of its subscription's plan (the default plan
// for the legacy "trial" value, an unknown value, or no subscription). Read when its stack is
// rendered (tenant-stack.ts) and by the change_plan job that applies them to running containers.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { ContainerResources } from "../driver.ts";
import { LEGACY_TRIAL_PLAN, type PlanCatalog } from "./catalog.ts";
import { planResources, type Plan } from "./plan-schema.ts";

/** The tenant's plan; undefined without a catalogue (the template's own limits then apply). */
export async function tenantPlan(deps: { prisma: PrismaClient; plans?: PlanCatalog | undefined }, tenantId: string): Promise<Plan | undefined> {
  if (!deps.plans) return undefined;
  const row = await deps.prisma.tenant.findUnique({ where: { id: tenantId }, select: { subscription: { select: { plan: true } } } });
  return deps.plans.forSubscription(row?.subscription?.plan ?? LEGACY_TRIAL_PLAN);
}

export async function tenantResources(deps: { prisma: PrismaClient; plans?: PlanCatalog | undefined }, tenantId: string): Promise<ContainerResources | undefined> {
  const plan = await tenantPlan(deps, tenantId);
  return plan ? planResources(plan) : undefined;
}
