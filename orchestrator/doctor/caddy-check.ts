// `npm run doctor`'s reverse-proxy check (issue 14): with the proxy on, Caddy's admin API must
// answer, or no tenant gets its route or certificate. It only reads (GET /config/ and the tenants'
// server by its @id): the portal itself puts the server in place at start. The answer says what was
// found in words an operator can act on: Caddy not running, or something else at that address.
import { caddyAdmin, CaddyAdminError, TENANT_SERVER_ID } from "../proxy/caddy-admin.ts";

export interface CaddyCheckReport {
  /** "Caddy's admin API at http://…". */
  description: string;
  /** What was found when it answers (its tenants' server, its routes), else null. */
  found: string | null;
  /** Why it failed, else null. */
  failure: string | null;
}

export async function checkCaddy(adminUrl: string, timeoutMs = 5_000): Promise<CaddyCheckReport> {
  const base = adminUrl.replace(/\/+$/, "");
  const description = `Caddy's admin API at ${base}`;
  const admin = caddyAdmin(base, { timeoutMs });
  try {
    const config = (await admin.readConfig()) as { apps?: { http?: { servers?: Record<string, { "@id"?: string; listen?: string[] }> } } } | null;
    const server = Object.values(config?.apps?.http?.servers ?? {}).find((s) => s?.["@id"] === TENANT_SERVER_ID);
    if (!server) return { description, found: `answers; no tenants' server (@id ${TENANT_SERVER_ID}) yet: the portal creates it at start`, failure: null };
    const routes = (await admin.listTenantRouteIds()).length;
    return { description, found: `answers; tenants' server on ${(server.listen ?? []).join(", ") || "no address"} with ${routes} tenant route(s)`, failure: null };
  } catch (error) {
    if (error instanceof CaddyAdminError) {
      return {
        description,
        found: null,
        failure: error.status === undefined ? "does not answer (is Caddy running?)" : `answered HTTP ${error.status}: not Caddy's admin API, or it refused the read`,
      };
    }
    throw error;
  }
}
