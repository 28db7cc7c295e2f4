// The tenant routes Tenantry keeps in Caddy (issue 14, second block), shared by the job steps
// (orchestrator/lifecycle/tenant-route.ts) and the reconciler's route pass: what a tenant's route
// should be (its app, the suspended page, or none) and the one function that makes Caddy hold it,
// looking first. Only built when the proxy is on (OrchestratorOptions.proxy).
import { caddyAdmin, CaddyAdminError, sameJson, TENANT_SERVER_ID, type CaddyAdmin, type UpsertOutcome } from "./caddy-admin.ts";
import { suspendedRoute } from "./route-suspended.ts";
import { hostnameForSlug, parseHostPattern, tenantRoute, tenantRouteId, type HostPattern } from "./tenant-route.ts";

/** The proxy as the orchestrator is given it (OrchestratorOptions.proxy). */
export type TenantProxySettings = {
  /** Caddy's admin API, e.g. http://127.0.0.1:2019. */
  adminUrl: string;
  /** e.g. `{slug}.apps.vendor.com`. */
  hostPattern: string;
  /** The tenants' server's address in Caddy, e.g. ":443" or "127.0.0.1:8080". */
  listen: string;
  /** Named on the suspended page. */
  vendorName: string;
};

export type TenantProxy = {
  admin: CaddyAdmin;
  pattern: HostPattern;
  listen: string;
  vendorName: string;
  /** Plain HTTP (any port but 443): Caddy's automatic HTTPS is turned off on the tenants' server. */
  plainHttp: boolean;
  adminUrl: string;
};

/** What a tenant's route sends its hostname to. */
export type RouteTarget = { kind: "app"; upstream: string } | { kind: "suspended" } | { kind: "none" };

export function tenantProxy(settings: TenantProxySettings): TenantProxy {
  return {
    admin: caddyAdmin(settings.adminUrl),
    pattern: parseHostPattern(settings.hostPattern),
    listen: settings.listen,
    vendorName: settings.vendorName,
    plainHttp: listenPort(settings.listen) !== 443,
    adminUrl: settings.adminUrl.replace(/\/+$/, ""),
  };
}

/** The port of a listen address (":443", "127.0.0.1:8080", "[::]:80"). */
export function listenPort(listen: string): number {
  const match = /:(\d{1,5})$/.exec(listen.trim());
  if (!match) throw new Error(`Listen address ${JSON.stringify(listen)} must end with :<port>, e.g. :443 or 127.0.0.1:8080.`);
  return Number(match[1]);
}

/**
 * The tenants' address template when the proxy is on, with {slug} to fill in: https://<host>/ on
 * port 443, http://<host>/ on 80, http://<host>:<port>/ on any other port.
 */
export function proxiedTenantUrl(hostPattern: string, listen: string): string {
  const port = listenPort(listen);
  const host = parseHostPattern(hostPattern).pattern;
  if (port === 443) return `https://${host}/`;
  return port === 80 ? `http://${host}/` : `http://${host}:${port}/`;
}

/** Where Caddy reaches the app published on `bindAddress:port` (a wildcard address: loopback). */
export function appUpstream(bindAddress: string, port: number): string {
  const host = bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress === "::" || bindAddress === "[::]" ? "[::1]" : bindAddress;
  return `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

/**
 * Makes Caddy hold `target` for the tenant: the tenants' server first (created after Caddy started
 * empty), then the route upserted, or deleted (absent is done). Unchanged when already so.
 */
export async function putTenantRoute(
  proxy: TenantProxy,
  tenant: { id: string; slug: string },
  target: RouteTarget,
  /** The tenant's active custom domains (custom-domains.ts): more hosts in the same route, same @id. */
  extraHosts: readonly string[] = [],
): Promise<UpsertOutcome | "deleted" | "absent"> {
  if (target.kind === "none") return (await proxy.admin.deleteRoute(tenantRouteId(tenant.id))) ? "deleted" : "absent";
  await ensureServer(proxy);
  const hostnames = [hostnameForSlug(proxy.pattern, tenant.slug), ...extraHosts];
  const route =
    target.kind === "app"
      ? tenantRoute({ tenantId: tenant.id, hostnames, upstream: target.upstream })
      : suspendedRoute({ tenantId: tenant.id, hostnames, vendorName: proxy.vendorName });
  return proxy.admin.upsertRoute(route);
}

/** The tenants' server, listening where configured; on plain HTTP, with automatic HTTPS off. */
export async function ensureServer(proxy: TenantProxy): Promise<void> {
  await proxy.admin.ensureTenantServer([proxy.listen]);
  if (!proxy.plainHttp) return;
  // Caddy would otherwise serve TLS on a port that is not its http_port for the routes' hostnames.
  const path = `/id/${TENANT_SERVER_ID}/automatic_https`;
  const wanted = { disable: true };
  const current = await adminCall(proxy, "GET", path);
  if (current.status === 200 && sameJson(current.json, wanted)) return;
  const written = await adminCall(proxy, current.status === 200 && current.json !== null ? "PATCH" : "PUT", path, wanted);
  if (written.status < 200 || written.status > 299) {
    throw new CaddyAdminError(
      `Caddy's admin API at ${proxy.adminUrl} refused to turn automatic HTTPS off on the tenants' server (HTTP ${written.status}): ${JSON.stringify(written.json)}. ` +
        "Check Caddy's configuration (GET /config/) or have the tenants' server listen on :443.",
      { transient: false, status: written.status },
    );
  }
}

async function adminCall(proxy: TenantProxy, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  try {
    const response = await fetch(`${proxy.adminUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(10_000),
      headers: { Connection: "close", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text.trim() ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, json };
  } catch (error) {
    throw new CaddyAdminError(
      `Caddy's admin API at ${proxy.adminUrl} did not answer to ${method} ${path}. Is Caddy running (\`caddy run\`)? If it is, check the proxy's admin address.`,
      { transient: true, cause: error },
    );
  }
}
