// Custom domains (issue 14): a customer (from their status page) or an admin (from the console)
// adds `erp.customer.com` to a tenant; it is stored pending and checked at once, then again by the
// custom-domains task, until its DNS record points at the vendor's target (custom-domain-dns.ts).
// Then it turns active: it becomes a host of the tenant's one Caddy route (same @id) and /_caddy/ask
// says yes for it (ask.ts), so its certificate follows on demand. Adding and removing are audited
// with the customer or the admin as actor, activation with the system; the per-tenant limit and
// the one-tenant-per-hostname rule hold under concurrency (the tenant's row is locked, the hostname
// is unique). Checking a domain (and re-checking active ones: a record moved elsewhere is marked,
// then disabled after a grace) is custom-domain-check.ts; the periodic pass custom-domain-pass.ts.
import type { CustomDomain, PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { PlanCatalog } from "../plans/catalog.ts";
import { customDomainLimit } from "../plans/custom-domain-limit.ts";
import type { SecretBox } from "../secrets.ts";
import type { Template } from "../templates/template.ts";
import { checkCustomDomain } from "./custom-domain-check.ts";
import { refreshRouteQuietly } from "./custom-domain-route.ts";
import { customDomainProblem, normalizeHostname, type CustomDomainProblem } from "./custom-domain-rules.ts";
import type { TenantProxy } from "./route-steps.ts";

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
  /** The customer's email when a domain is disabled (sealed like the other customer emails). */
  secretBox: SecretBox;
  /** The tenants' address template (the email's link to the instance). */
  tenantUrl: string;
  /** The portal's public address: the email links to the account page (absent: no link). */
  portalUrl?: string | undefined;
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
