// Custom domains as the orchestrator offers them to the portal (issue 14): built in
// orchestrator/index.ts when OrchestratorOptions.customDomains is set and the proxy is on. It hooks
// the tenant's active domains into every route the jobs and the reconciler put in Caddy
// (TenantProxy.extraHostsOf), and gives the portal add/remove/list/check, the grace an active domain
// pointing elsewhere is given before it is disabled, and the periodic task.
import type { CustomDomain } from "../../prisma/generated/client.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { checkCustomDomain } from "./custom-domain-check.ts";
import { MISCONFIGURED_GRACE_DAYS } from "./custom-domain-recheck.ts";
import { customDomainsTask } from "./custom-domain-task.ts";
import {
  activeCustomHosts,
  addCustomDomain,
  listCustomDomains,
  removeCustomDomain,
  type CustomDomainActor,
  type CustomDomainDeps,
  type CustomDomainSettings,
} from "./custom-domains.ts";
import { customDomainLimit } from "../plans/custom-domain-limit.ts";

export interface CustomDomainService {
  /** What customers point their record at (a CNAME's target). */
  readonly target: string;
  /** Custom domains one tenant may hold (the portal's setting); a plan's customDomains overrides it (limitFor). */
  readonly perTenant: number;
  /** Days an active domain may point elsewhere (still served, marked misconfiguredSince) before it is disabled. */
  readonly misconfiguredGraceDays: number;
  /** The limit for this tenant: its plan's customDomains, or perTenant. */
  limitFor(tenantId: string): Promise<number>;
  /** Adds a pending domain and checks it at once; refused with CustomDomainRefused. */
  add(input: { tenantId: string; hostname: string; actor: CustomDomainActor }): Promise<CustomDomain>;
  /** Removes one of the tenant's domains (an active one leaves the route at once). */
  remove(input: { tenantId: string; domainId: string; actor: CustomDomainActor }): Promise<CustomDomain>;
  /** The tenant's domains, oldest first. */
  list(tenantId: string): Promise<CustomDomain[]>;
  /** Checks one domain's DNS now (null when it no longer exists). */
  check(domainId: string): Promise<CustomDomain | null>;
  /** The periodic check of pending domains, and every few hours of active ones. */
  task(intervalMinutes: number): ScheduledTask;
}

export function customDomainService(deps: Pick<LifecycleDeps, "prisma" | "clock" | "logger" | "template" | "bindAddress" | "proxy" | "plans" | "secretBox" | "tenantUrl" | "portalUrl">, settings: CustomDomainSettings): CustomDomainService | null {
  const proxy = deps.proxy;
  if (!proxy) return null;
  proxy.extraHostsOf = (tenantId) => activeCustomHosts(deps.prisma, tenantId);
  const domainDeps: CustomDomainDeps = {
    prisma: deps.prisma,
    clock: deps.clock,
    logger: deps.logger,
    template: deps.template,
    bindAddress: deps.bindAddress,
    proxy,
    settings,
    plans: deps.plans,
    secretBox: deps.secretBox,
    tenantUrl: deps.tenantUrl,
    portalUrl: deps.portalUrl,
  };
  return {
    target: settings.target,
    perTenant: settings.perTenant,
    misconfiguredGraceDays: MISCONFIGURED_GRACE_DAYS,
    limitFor: (tenantId) => customDomainLimit(deps.prisma, deps.plans, tenantId, settings.perTenant),
    add: (input) => addCustomDomain(domainDeps, input),
    remove: (input) => removeCustomDomain(domainDeps, input),
    list: (tenantId) => listCustomDomains(deps.prisma, tenantId),
    check: (domainId) => checkCustomDomain(domainDeps, domainId),
    task: (intervalMinutes) => customDomainsTask(domainDeps, intervalMinutes),
  };
}
