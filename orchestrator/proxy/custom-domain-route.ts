// A tenant's Caddy route put back with its current custom domains (issue 14), after a domain turned
// active, was removed or was disabled: the proxy's extraHostsOf (activeCustomHosts, set by
// custom-domain-service.ts) gives the route its active domains. Quiet: Caddy not answering is
// logged, and the reconciler's next pass puts the route right from the database.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { appPortVariable } from "../lifecycle/tenant-route.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { Template } from "../templates/template.ts";
import { appUpstream, putTenantRoute, type RouteTarget, type TenantProxy } from "./route-steps.ts";

export type RouteRefreshDeps = { prisma: PrismaClient; logger: OrchestratorLogger; template: Template; bindAddress: string; proxy: TenantProxy };

/**
 * Puts the tenant's route back with its current hosts, when the tenant is served (active: its app;
 * suspended: the suspended page). Tenants in between are left to their jobs, whose route step reads
 * the active domains too.
 */
export async function refreshRouteQuietly(deps: RouteRefreshDeps, tenantId: string): Promise<void> {
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
    const outcome = await putTenantRoute(deps.proxy, tenant, target);
    deps.logger.info("tenant route with its custom domains", { tenant: tenant.slug, outcome });
  } catch (error) {
    deps.logger.warn("tenant route not updated for its custom domains (the next reconciliation will)", {
      tenant: tenantId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
