// The tenant routes Tenantry keeps in Caddy (issue 14, second block), shared by the job steps
// (orchestrator/lifecycle/tenant-route.ts) and the reconciler's route pass: what a tenant's route
// should be (its app, the suspended page, or none) and the one function that makes Caddy hold it,
// looking first. Only built when the proxy is on (OrchestratorOptions.proxy).
import { caddyAdmin, type CaddyAdmin, type UpsertOutcome } from "./caddy-admin.ts";
import { suspendedRoute } from "./route-suspended.ts";
import { hostnameForSlug, parseHostPattern, tenantRoute, tenantRouteId, type HostPattern } from "./tenant-route.ts";
import { ensureTenantTls, type TenantTlsOutcome, type TenantTlsSettings } from "./tls-policy.ts";

/** The proxy as the orchestrator is given it (OrchestratorOptions.proxy). */
export type TenantProxySettings = {
  /** Caddy's admin API, e.g. http://127.0.0.1:2019. */
  adminUrl: string;
  /** e.g. `{slug}.apps.vendor.com`. */
  hostPattern: string;
  /**
   * The tenants' server's one address in Caddy, e.g. ":443" or "127.0.0.1:8080": HTTPS there when
   * `tls` is on, plain HTTP when it is off.
   */
  listen: string;
  /** Named on the suspended page. */
  vendorName: string;
  /** The portal's "send me my link" page, linked from the suspended page (absent: no link). */
  accountUrl?: string | undefined;
  /** The tenants' certificates (absent: off, plain HTTP). */
  tls?: TenantTlsSettings;
};

export type TenantProxy = {
  admin: CaddyAdmin;
  pattern: HostPattern;
  listen: string;
  vendorName: string;
  accountUrl: string | undefined;
  tls: TenantTlsSettings;
  adminUrl: string;
  /** ensureServer's calls in this process, one after the other (see there). */
  serverQueue: { last: Promise<unknown> };
  /** A tenant's active custom domains, more hosts of its one route (set by orchestrator/index.ts when custom domains are on). */
  extraHostsOf?: (tenantId: string) => Promise<readonly string[]>;
};

/** What a tenant's route sends its hostname to. */
export type RouteTarget = { kind: "app"; upstream: string } | { kind: "suspended" } | { kind: "none" };

export function tenantProxy(settings: TenantProxySettings): TenantProxy {
  return {
    admin: caddyAdmin(settings.adminUrl),
    pattern: parseHostPattern(settings.hostPattern),
    listen: settings.listen,
    vendorName: settings.vendorName,
    accountUrl: settings.accountUrl,
    tls: settings.tls ?? { mode: "off" },
    adminUrl: settings.adminUrl.replace(/\/+$/, ""),
    serverQueue: { last: Promise.resolve() },
  };
}

/** The port of a listen address (":443", "127.0.0.1:8080", "[::]:80"). */
export function listenPort(listen: string): number {
  const match = /:(\d{1,5})$/.exec(listen.trim());
  if (!match) throw new Error(`Listen address ${JSON.stringify(listen)} must end with :<port>, e.g. :443 or 127.0.0.1:8080.`);
  return Number(match[1]);
}

/**
 * The tenants' address template when the proxy is on, with {slug} to fill in: https://<host>/ when
 * TLS is on (https://<host>:<port>/ on a port other than 443), http://<host>/ when it is off (with
 * :<port> on a port other than 80).
 */
export function proxiedTenantUrl(hostPattern: string, listen: string, tlsOn = false): string {
  const port = listenPort(listen);
  const host = parseHostPattern(hostPattern).pattern;
  const [scheme, standard] = tlsOn ? ["https", 443] : ["http", 80];
  return port === standard ? `${scheme}://${host}/` : `${scheme}://${host}:${port}/`;
}

/** Where Caddy reaches the app published on `bindAddress:port` (a wildcard address: loopback). */
export function appUpstream(bindAddress: string, port: number): string {
  const host = bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress === "::" || bindAddress === "[::]" ? "[::1]" : bindAddress;
  return `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

/**
 * Makes Caddy hold `target` for the tenant: the tenants' server first (created after Caddy started
 * empty) unless the caller just made sure of it, then the route upserted, or deleted (absent is
 * done). Unchanged when already so.
 */
export async function putTenantRoute(
  proxy: TenantProxy,
  tenant: { id: string; slug: string },
  target: RouteTarget,
  options: { serverEnsured?: boolean } = {},
): Promise<UpsertOutcome | "deleted" | "absent"> {
  if (target.kind === "none") return (await proxy.admin.deleteRoute(tenantRouteId(tenant.id))) ? "deleted" : "absent";
  if (!options.serverEnsured) await ensureServer(proxy);
  const hostnames = [hostnameForSlug(proxy.pattern, tenant.slug), ...((await proxy.extraHostsOf?.(tenant.id)) ?? [])];
  const route =
    target.kind === "app"
      ? tenantRoute({ tenantId: tenant.id, hostnames, upstream: target.upstream })
      : suspendedRoute({ tenantId: tenant.id, hostnames, vendorName: proxy.vendorName, accountUrl: proxy.accountUrl });
  return proxy.admin.upsertRoute(route);
}

export type ServerOutcome = { server: UpsertOutcome; tls: TenantTlsOutcome };

/**
 * The tenants' server on its one address, with its TLS as set (certificates on demand, the vendor's
 * files, or plain HTTP): at start, in every reconcile pass and before a job writes a route, so a
 * Caddy restarted empty gets its TLS back with the routes, never a server without it.
 */
export function ensureServer(proxy: TenantProxy): Promise<ServerOutcome> {
  // One at a time: the start, a reconcile pass and two jobs may all find no server at once, and
  // Caddy refuses the second creation of the same key.
  const run = async (): Promise<ServerOutcome> => {
    const server = await proxy.admin.ensureTenantServer([proxy.listen]);
    const tls = await ensureTenantTls(proxy.admin, proxy.tls);
    return { server, tls };
  };
  const next = proxy.serverQueue.last.then(run, run);
  proxy.serverQueue.last = next.catch(() => undefined);
  return next;
}

/** Whether ensureServer wrote anything (the server or a part of its TLS). */
export function serverChanged(outcome: ServerOutcome): boolean {
  const { mode: _mode, ...tls } = outcome.tls;
  return [outcome.server, ...Object.values(tls)].some((change) => change === "created" || change === "updated" || change === "removed");
}
