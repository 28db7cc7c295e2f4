// The reconciler's route pass (issue 14): with the proxy on, every pass (and the one at start) puts
// back each tenant's route in Caddy from the database, so a Caddy restarted with an empty
// configuration serves every tenant again within one period: active → its app, suspended (an
// expired trial is suspended) → the suspended page, failed (a provisioning that failed: its
// compensation deletes the route, but not while Caddy was down), destroying or destroyed → none.
// Tenants in between (pending, provisioning) are left to their jobs. The tenants' server and its TLS
// (certificates on demand, the vendor's files, or plain HTTP) are put back first. Our routes (by @id prefix) of
// tenants the database no longer knows are deleted. Each write looks first: a pass with nothing
// missing changes nothing.
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { appPortVariable } from "../lifecycle/tenant-route.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { appUpstream, ensureServer, putTenantRoute, serverChanged, type RouteTarget, type TenantProxy } from "../proxy/route-steps.ts";
import { TENANT_ROUTE_ID_PREFIX, tenantRouteId } from "../proxy/tenant-route.ts";

export type RoutePassSummary = { routesPut: number; routesRemoved: number; routesUnchanged: number };

export async function reconcileRoutes(
  deps: Pick<LifecycleDeps, "prisma" | "template" | "bindAddress">,
  proxy: TenantProxy,
  logger: OrchestratorLogger,
  signal: AbortSignal,
): Promise<RoutePassSummary> {
  const summary: RoutePassSummary = { routesPut: 0, routesRemoved: 0, routesUnchanged: 0 };
  const server = await ensureServer(proxy);
  if (serverChanged(server)) {
    logger.info("reconciliation: Caddy's tenants' server put back", { server: server.server, ...server.tls });
  }
  // Destroyed tenants pile up over the years: their (absent) routes are checked against one listing
  // instead of one request each per pass.
  const routed = new Set(await proxy.admin.listTenantRouteIds());
  const purpose = appPortVariable(deps.template);
  const tenants = await deps.prisma.tenant.findMany({
    select: { id: true, slug: true, actualState: true, portLeases: { where: { purpose }, select: { port: true } } },
  });
  for (const tenant of tenants) {
    signal.throwIfAborted();
    const target = targetOf(tenant.actualState, tenant.portLeases[0]?.port, deps.bindAddress);
    if (!target) continue;
    if (target.kind === "none" && !routed.has(tenantRouteId(tenant.id))) {
      summary.routesUnchanged++;
      continue;
    }
    const outcome = await putTenantRoute(proxy, tenant, target, { serverEnsured: true });
    if (outcome === "unchanged" || outcome === "absent") summary.routesUnchanged++;
    else if (outcome === "deleted") summary.routesRemoved++;
    else summary.routesPut++;
    if (outcome === "created" || outcome === "updated" || outcome === "deleted") {
      logger.info("reconciliation: tenant route put back", { tenant: tenant.slug, target: target.kind, outcome });
    }
  }
  // Read the ids after the rows: a tenant created meanwhile has no route yet, and is in `known`.
  const known = new Set((await deps.prisma.tenant.findMany({ select: { id: true } })).map((t) => tenantRouteId(t.id)));
  for (const id of await proxy.admin.listTenantRouteIds()) {
    if (!id.startsWith(TENANT_ROUTE_ID_PREFIX) || known.has(id)) continue;
    if (await proxy.admin.deleteRoute(id)) {
      summary.routesRemoved++;
      logger.info("reconciliation: route of no tenant removed from Caddy", { route: id });
    }
  }
  return summary;
}

function targetOf(state: string, port: number | undefined, bindAddress: string): RouteTarget | null {
  switch (state) {
    case "active":
      return port === undefined ? null : { kind: "app", upstream: appUpstream(bindAddress, port) };
    case "suspended":
      return { kind: "suspended" };
    case "failed":
    case "destroying":
    case "destroyed":
      return { kind: "none" };
    default:
      return null;
  }
}
