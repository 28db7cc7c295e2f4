// A tenant's address behind Caddy (issue 14): the hostname pattern (`{slug}.apps.vendor.com`) that
// turns a tenant's slug into its hostname and back, and the Caddy route that sends that hostname to
// the tenant's app. Pure functions: the admin-API client (caddy-admin.ts) puts the route in Caddy.

/** The placeholder a hostname pattern holds exactly once. */
export const SLUG_PLACEHOLDER = "{slug}";
/** Every route Tenantry puts in Caddy for a tenant has an @id starting with this. */
export const TENANT_ROUTE_ID_PREFIX = "tenantry-tenant-";

// A slug as the portal hands them out (app/models/slug.ts): lowercase letters, digits, single dashes.
const SLUG_SHAPE = "[a-z0-9]+(?:-[a-z0-9]+)*";
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A validated hostname pattern, lowercased, e.g. `{slug}.apps.vendor.com`. */
export type HostPattern = { readonly pattern: string; readonly prefix: string; readonly suffix: string };

/** Why a hostname pattern cannot be used (a sentence saying what to write), or null when it can. */
export function hostPatternProblem(pattern: string): string | null {
  const lower = pattern.trim().toLowerCase();
  const count = lower.split(SLUG_PLACEHOLDER).length - 1;
  if (count !== 1) {
    return `must hold ${SLUG_PLACEHOLDER} exactly once (found ${count}), e.g. {slug}.apps.vendor.com`;
  }
  // The rest must be a DNS name whatever the slug: try it with a one-letter slug.
  if (!isDnsName(lower.replace(SLUG_PLACEHOLDER, "a"))) {
    return "must be a DNS name with {slug} in it (letters, digits, dashes and dots; no scheme, port or path), e.g. {slug}.apps.vendor.com";
  }
  return null;
}

/** The pattern, validated; throws with hostPatternProblem's sentence otherwise. */
export function parseHostPattern(pattern: string): HostPattern {
  const problem = hostPatternProblem(pattern);
  if (problem) throw new Error(`Tenant hostname pattern ${JSON.stringify(pattern)} ${problem}`);
  const lower = pattern.trim().toLowerCase();
  const at = lower.indexOf(SLUG_PLACEHOLDER);
  return { pattern: lower, prefix: lower.slice(0, at), suffix: lower.slice(at + SLUG_PLACEHOLDER.length) };
}

/** The tenant's hostname for its slug. */
export function hostnameForSlug(pattern: HostPattern, slug: string): string {
  return `${pattern.prefix}${slug}${pattern.suffix}`;
}

/**
 * The slug a hostname stands for under the pattern, or null when it does not fit the pattern.
 * Case and one trailing dot are ignored (DNS names are case-insensitive; `a.b.` is `a.b`).
 */
export function slugForHostname(pattern: HostPattern, hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (!name.startsWith(pattern.prefix) || !name.endsWith(pattern.suffix)) return null;
  const slug = name.slice(pattern.prefix.length, name.length - pattern.suffix.length);
  return new RegExp(`^${SLUG_SHAPE}$`).test(slug) && isDnsName(name) ? slug : null;
}

function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split(".").every((label) => DNS_LABEL.test(label));
}

/** The @id of a tenant's route in Caddy. */
export function tenantRouteId(tenantId: string): string {
  return `${TENANT_ROUTE_ID_PREFIX}${tenantId}`;
}

export type ReverseProxyHandler = { handler: "reverse_proxy"; upstreams: Array<{ dial: string }> };
export type StaticResponseHandler = { handler: "static_response"; status_code: number; headers: Record<string, string[]>; body: string };

/** A route of Caddy's http app, as its JSON config holds it. */
export type CaddyRoute = {
  "@id": string;
  match: Array<{ host: string[] }>;
  // Also a fixed answer (the suspended page: orchestrator/proxy/route-suspended.ts).
  handle: Array<ReverseProxyHandler | StaticResponseHandler>;
  terminal: true;
};

/**
 * The route sending a tenant's hostnames to its app at `upstream` ("host:port", as Caddy dials it).
 * Terminal: a request it matches goes to no later route.
 */
export function tenantRoute(input: { tenantId: string; hostnames: readonly string[]; upstream: string }): CaddyRoute & { handle: ReverseProxyHandler[] } {
  if (input.hostnames.length === 0) throw new Error(`Tenant ${input.tenantId} has no hostname to route: give at least one.`);
  if (!/^[^\s/:]+:\d{1,5}$/.test(input.upstream) && !/^\[[0-9a-f:.]+\]:\d{1,5}$/i.test(input.upstream)) {
    throw new Error(`Upstream ${JSON.stringify(input.upstream)} must be "host:port" (e.g. 127.0.0.1:20000 or tenant-app:8080).`);
  }
  return {
    "@id": tenantRouteId(input.tenantId),
    match: [{ host: input.hostnames.map((h) => h.toLowerCase()) }],
    handle: [{ handler: "reverse_proxy", upstreams: [{ dial: input.upstream }] }],
    terminal: true,
  };
}
