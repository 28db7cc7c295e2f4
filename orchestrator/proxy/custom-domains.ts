// Custom domains (issue 14): a customer (from their status page) or an admin (from the console)
// adds `erp.customer.com` to a tenant; it is stored pending and checked at once, then again by the
// custom-domains task, until its DNS record points at the vendor's target (custom-domain-dns.ts).
// Then it turns active: it becomes a host of the tenant's one Caddy route (same @id) and /_caddy/ask
// says yes for it (ask.ts), so its certificate follows on demand. Adding and removing are audited
// with the customer or the admin as actor, activation with the system; the per-tenant limit and
// the one-tenant-per-hostname rule hold under concurrency (the tenant's row is locked, the hostname
// is unique).
import type { CustomDomain, PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import { appPortVariable } from "../lifecycle/tenant-route.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { PlanCatalog } from "../plans/catalog.ts";
import { customDomainLimit } from "../plans/custom-domain-limit.ts";
import type { Template } from "../templates/template.ts";
import { checkDomainDns, type DnsCheckResult } from "./custom-domain-dns.ts";
import { customDomainProblem, normalizeHostname, type CustomDomainProblem } from "./custom-domain-rules.ts";
import { appUpstream, putTenantRoute, type RouteTarget, type TenantProxy } from "./route-steps.ts";

/** The feature's settings (OrchestratorOptions.customDomains); it needs the proxy on. */
export type CustomDomainSettings = {
  /** What customers point their record at: a hostname (CNAME target), e.g. tenants.erp.vendor.com. */
  target: string;
  /** Custom domains one tenant may hold (pending and active together). */
  perTenant: number;
  /** DNS servers the check asks ("ip" or "ip:port"); empty: the system's. */
  dnsServers: readonly string[];
};

export type CustomDomainDeps = {
  prisma: PrismaClient;
  clock: Clock;
  logger: OrchestratorLogger;
  template: Template;
  bindAddress: string;
  proxy: TenantProxy;
  settings: CustomDomainSettings;
  /** Plans (issue 12): a plan's customDomains replaces settings.perTenant for its tenants. */
  plans?: PlanCatalog | undefined;
};

/** Who adds or removes a domain: the customer (their id) or an admin (their email). */
export type CustomDomainActor = { type: "customer"; id: string } | { type: "admin"; id: string };

export type CustomDomainRefusal =
  | { code: "invalid"; problem: CustomDomainProblem }
  | { code: "limit"; limit: number }
  | { code: "duplicate" }
  | { code: "taken" }
  | { code: "tenant-gone" }
  | { code: "not-found" };

/** A refused add or remove; `refusal` says why, for the portal to word in FR and EN. */
export class CustomDomainRefused extends OrchestratorError {
  override name = "CustomDomainRefused";
  readonly refusal: CustomDomainRefusal;
  constructor(refusal: CustomDomainRefusal, message: string) {
    super(message, { transient: false });
    this.refusal = refusal;
  }
}

const GONE_STATES = new Set(["destroying", "destroyed"]);

/** Adds a pending domain to the tenant (refused: CustomDomainRefused), then checks it once. */
export async function addCustomDomain(
  deps: CustomDomainDeps,
  input: { tenantId: string; hostname: string; actor: CustomDomainActor },
): Promise<CustomDomain> {
  const hostname = normalizeHostname(input.hostname);
  const problem = customDomainProblem(hostname, deps.proxy.pattern, deps.settings.target);
  if (problem) throw new CustomDomainRefused({ code: "invalid", problem }, `${JSON.stringify(hostname)} cannot be a custom domain (${problem}).`);
  const created = await deps.prisma.$transaction(async (tx) => {
    // The tenant's row locked: two adds at once for one tenant are counted one after the other.
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Tenant" WHERE "id" = ${input.tenantId} FOR UPDATE`;
    const tenant = locked.length ? await tx.tenant.findUnique({ where: { id: input.tenantId }, select: { desiredState: true, actualState: true } }) : null;
    if (!tenant || tenant.desiredState === "destroyed" || GONE_STATES.has(tenant.actualState)) {
      throw new CustomDomainRefused({ code: "tenant-gone" }, "This instance is destroyed or being destroyed: it takes no custom domain.");
    }
    const holder = await tx.customDomain.findUnique({ where: { hostname }, include: { tenant: { select: { desiredState: true, actualState: true } } } });
    if (holder?.tenantId === input.tenantId) throw new CustomDomainRefused({ code: "duplicate" }, `${hostname} is already one of this instance's domains.`);
    if (holder) {
      // A destroyed tenant's domain is free again; a live tenant's is not.
      if (holder.tenant.desiredState !== "destroyed" && !GONE_STATES.has(holder.tenant.actualState)) {
        throw new CustomDomainRefused({ code: "taken" }, `${hostname} is already the custom domain of another instance.`);
      }
      await tx.customDomain.delete({ where: { id: holder.id } });
    }
    const count = await tx.customDomain.count({ where: { tenantId: input.tenantId } });
    const limit = await customDomainLimit(tx, deps.plans, input.tenantId, deps.settings.perTenant);
    if (count >= limit) {
      throw new CustomDomainRefused({ code: "limit", limit }, `This instance already has ${count} custom domains, the most it may hold (${limit}): remove one first.`);
    }
    const row = await tx.customDomain.create({ data: { tenantId: input.tenantId, hostname, createdBy: input.actor.type === "admin" ? input.actor.id : "customer" } });
    await writeAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "domain.added",
      outcome: "succeeded",
      tenantId: input.tenantId,
      details: { hostname, target: deps.settings.target },
    });
    return row;
  });
  return (await checkCustomDomain(deps, created.id)) ?? created;
}

/** Removes one of the tenant's domains; an active one leaves the tenant's route at once. */
export async function removeCustomDomain(
  deps: CustomDomainDeps,
  input: { tenantId: string; domainId: string; actor: CustomDomainActor },
): Promise<CustomDomain> {
  const removed = await deps.prisma.$transaction(async (tx) => {
    const row = await tx.customDomain.findFirst({ where: { id: input.domainId, tenantId: input.tenantId } });
    if (!row) throw new CustomDomainRefused({ code: "not-found" }, "This custom domain is not (or no longer) one of this instance's.");
    await tx.customDomain.delete({ where: { id: row.id } });
    await writeAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "domain.removed",
      outcome: "succeeded",
      tenantId: input.tenantId,
      details: { hostname: row.hostname, wasActive: row.status === "active" },
    });
    return row;
  });
  if (removed.status === "active") await refreshRouteQuietly(deps, removed.tenantId);
  return removed;
}

/** The tenant's domains, oldest first. */
export function listCustomDomains(prisma: PrismaClient, tenantId: string): Promise<CustomDomain[]> {
  return prisma.customDomain.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } });
}

/**
 * Checks one domain's DNS now and records what was found; a pending one pointing at the target
 * turns active (once: a conditional update, with its audit entry) and the tenant's route gets it.
 * Null when the domain no longer exists.
 */
export async function checkCustomDomain(deps: CustomDomainDeps, domainId: string): Promise<CustomDomain | null> {
  const row = await deps.prisma.customDomain.findUnique({ where: { id: domainId } });
  if (!row) return null;
  const check = await checkDomainDns(row.hostname, deps.settings.target, { servers: deps.settings.dnsServers });
  const now = deps.clock.now();
  const recorded = { lastCheckedAt: now, lastCheckResult: check.result, lastCheckError: detailOf(check) };
  if (check.result !== "points_at_target" || row.status === "active") {
    await deps.prisma.customDomain.updateMany({ where: { id: row.id }, data: recorded });
    return deps.prisma.customDomain.findUnique({ where: { id: row.id } });
  }
  const activated = await deps.prisma.$transaction(async (tx) => {
    const changed = await tx.customDomain.updateMany({ where: { id: row.id, status: "pending" }, data: { ...recorded, status: "active", verifiedAt: now } });
    if (changed.count === 0) return false;
    await writeAudit(tx, {
      actorType: "system",
      actorId: null,
      action: "domain.activated",
      outcome: "succeeded",
      tenantId: row.tenantId,
      details: { hostname: row.hostname, found: check.found },
    });
    return true;
  });
  if (activated) {
    deps.logger.info("custom domain points at the target: active", { hostname: row.hostname });
    await refreshRouteQuietly(deps, row.tenantId);
  }
  return deps.prisma.customDomain.findUnique({ where: { id: row.id } });
}

export type CustomDomainPassSummary = { checked: number; activated: number; stillPending: number };

/** One pass over every pending domain of a tenant not destroyed (the custom-domains task). */
export async function checkPendingCustomDomains(deps: CustomDomainDeps, signal: AbortSignal): Promise<CustomDomainPassSummary> {
  const pending = await deps.prisma.customDomain.findMany({
    where: { status: "pending", tenant: { desiredState: { not: "destroyed" }, actualState: { notIn: ["destroying", "destroyed"] } } },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const summary: CustomDomainPassSummary = { checked: 0, activated: 0, stillPending: 0 };
  for (const { id } of pending) {
    signal.throwIfAborted();
    const after = await checkCustomDomain(deps, id);
    if (!after) continue;
    summary.checked++;
    if (after.status === "active") summary.activated++;
    else summary.stillPending++;
  }
  return summary;
}

/** The active custom domains of one tenant (the extra hosts of its route). */
export async function activeCustomHosts(prisma: Pick<PrismaClient, "customDomain">, tenantId: string): Promise<string[]> {
  const rows = await prisma.customDomain.findMany({ where: { tenantId, status: "active" }, select: { hostname: true }, orderBy: { hostname: "asc" } });
  return rows.map((r) => r.hostname);
}

/** Every tenant's active custom domains, by tenant id (the reconciler's route pass). */
export async function activeCustomHostsByTenant(prisma: Pick<PrismaClient, "customDomain">): Promise<Map<string, string[]>> {
  const rows = await prisma.customDomain.findMany({ where: { status: "active" }, select: { tenantId: true, hostname: true }, orderBy: { hostname: "asc" } });
  const byTenant = new Map<string, string[]>();
  for (const row of rows) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.hostname]);
  return byTenant;
}

/**
 * Puts the tenant's route back with its current hosts, when the tenant is served (active: its app;
 * suspended: the suspended page). Tenants in between are left to their jobs, whose route step reads
 * the active domains too. Caddy not answering is logged: the reconciler's next pass puts it right.
 */
async function refreshRouteQuietly(deps: CustomDomainDeps, tenantId: string): Promise<void> {
  try {
    const tenant = await deps.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true, slug: true, actualState: true } });
    if (!tenant) return;
    let target: RouteTarget | null = null;
    if (tenant.actualState === "suspended") target = { kind: "suspended" };
    if (tenant.actualState === "active") {
      const purpose = appPortVariable(deps.template);
      const lease = await deps.prisma.portLease.findUnique({ where: { tenantId_purpose: { tenantId, purpose } } });
      if (lease) target = { kind: "app", upstream: appUpstream(deps.bindAddress, lease.port) };
    }
    if (!target) return;
    // The proxy's extraHostsOf (activeCustomHosts, set by orchestrator/index.ts) adds the domains.
    const outcome = await putTenantRoute(deps.proxy, tenant, target);
    deps.logger.info("tenant route with its custom domains", { tenant: tenant.slug, outcome });
  } catch (error) {
    deps.logger.warn("tenant route not updated for its custom domains (the next reconciliation will)", {
      tenant: tenantId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function detailOf(check: DnsCheckResult): string | null {
  if (check.result === "lookup_failed") return check.error.slice(0, 500);
  if (check.result === "no_record") return null;
  return check.found.slice(0, 500);
}
