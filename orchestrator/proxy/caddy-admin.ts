// A small client of Caddy's admin API (Caddy 2.6, JSON over HTTP), for the routes that give each
// tenant its address (issue 14). Every change looks first: a route is read by its @id and written
// only when absent or different, so running the same step twice changes nothing. Errors say what
// to do: start Caddy, fix the admin address, or read Caddy's own message (quoted with its status).
import { OrchestratorError } from "../errors.ts";
import { TENANT_ROUTE_ID_PREFIX, type CaddyRoute } from "./tenant-route.ts";

/** The @id of the http app server Tenantry's tenant routes live in. */
export const TENANT_SERVER_ID = "tenantry-tenants";
/** Its name under apps.http.servers, when Tenantry creates it. */
export const TENANT_SERVER_NAME = "tenantry_tenants";

export type UpsertOutcome = "created" | "updated" | "unchanged";

/** Caddy's admin API could not be reached, or refused a request. */
export class CaddyAdminError extends OrchestratorError {
  override name = "CaddyAdminError";
  /** Caddy's HTTP status, when it answered. */
  readonly status: number | undefined;
  constructor(message: string, options: { transient: boolean; status?: number; cause?: unknown }) {
    super(message, { transient: options.transient, cause: options.cause });
    this.status = options.status;
  }
}

export type CaddyAdmin = {
  /** The whole active configuration (null when Caddy runs with an empty one). */
  readConfig(): Promise<unknown>;
  /** Makes sure the tenants' server exists and listens on `listen` (e.g. [":443"]). */
  ensureTenantServer(listen: readonly string[]): Promise<UpsertOutcome>;
  /** Puts the route in the tenants' server, or replaces the one with its @id when it differs. */
  upsertRoute(route: CaddyRoute): Promise<UpsertOutcome>;
  /** Removes the route with this @id; true when there was one (absent is not an error). */
  deleteRoute(id: string): Promise<boolean>;
  /** The @ids of Tenantry's tenant routes in the tenants' server (none when it does not exist). */
  listTenantRouteIds(): Promise<string[]>;
  /**
   * Makes the value at an admin path ("/config/apps/tls/…" or "/id/<@id>/…") equal `value`: read
   * first, created when absent (with any missing parents), replaced when different.
   */
  ensureConfig(path: string, value: unknown): Promise<UpsertOutcome>;
  /** Removes the value at an admin path; false when there was none (absent is not an error). */
  removeConfig(path: string): Promise<boolean>;
};

/** A client of the admin API at `baseUrl` (e.g. http://127.0.0.1:2019). */
export function caddyAdmin(baseUrl: string, options: { timeoutMs?: number } = {}): CaddyAdmin {
  const base = baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        // A new connection each time: Caddy restarts its admin endpoint when a config is loaded,
        // which drops kept-alive connections (the next request on one would fail half-way).
        headers: { Connection: "close", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new CaddyAdminError(
        `Caddy's admin API at ${base} did not answer (${reason}) to ${method} ${path}. ` +
          `Is Caddy running (\`caddy run\`)? If it is, check the admin address: it must be the "admin.listen" of Caddy's config.`,
        { transient: true, cause: error },
      );
    }
    const text = await response.text();
    let json: unknown = null;
    if (text.trim()) {
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
    }
    return { status: response.status, json };
  }

  function refused(method: string, path: string, answer: { status: number; json: unknown }): CaddyAdminError {
    const said = typeof answer.json === "object" && answer.json && "error" in answer.json ? String(answer.json.error) : JSON.stringify(answer.json);
    // Caddy answers 4xx to a request it cannot apply and 500 to a config it could not load: both
    // stay wrong until something changes. Only a gateway's 502/503/504 is worth retrying as is.
    const transient = answer.status === 502 || answer.status === 503 || answer.status === 504;
    return new CaddyAdminError(
      `Caddy's admin API at ${base} refused ${method} ${path}: HTTP ${answer.status}: ${said}. ` +
        (transient
          ? "Something between Tenantry and Caddy is not passing requests: check the admin address, then try again."
          : "Caddy's message says what it could not apply: fix that value (or Caddy's own configuration, GET /config/), then try again."),
      { transient, status: answer.status },
    );
  }

  async function expectOk(method: string, path: string, body?: unknown): Promise<unknown> {
    const answer = await call(method, path, body);
    if (answer.status < 200 || answer.status > 299) throw refused(method, path, answer);
    return answer.json;
  }

  /** The object with this @id, or undefined when Caddy knows no such @id. */
  async function byId(id: string): Promise<unknown> {
    const path = `/id/${encodeURIComponent(id)}`;
    const answer = await call("GET", path);
    // Caddy 2.6 answers an unknown @id with 404 ("unknown object ID").
    if (answer.status === 404) return undefined;
    if (answer.status < 200 || answer.status > 299) throw refused("GET", path, answer);
    return answer.json;
  }

  async function requireServer(): Promise<void> {
    if ((await byId(TENANT_SERVER_ID)) === undefined) {
      throw new CaddyAdminError(
        `Caddy at ${base} has no server with @id ${TENANT_SERVER_ID}: create it first (ensureTenantServer), e.g. after Caddy started with an empty configuration.`,
        { transient: false },
      );
    }
  }

  return {
    readConfig: () => expectOk("GET", "/config/"),

    async ensureTenantServer(listen) {
      const server = await byId(TENANT_SERVER_ID);
      if (server === undefined) {
        // PUT creates the missing apps/http/servers objects on the way.
        await expectOk("PUT", `/config/apps/http/servers/${TENANT_SERVER_NAME}`, { "@id": TENANT_SERVER_ID, listen, routes: [] });
        return "created";
      }
      const current = (server as { listen?: unknown }).listen;
      if (sameJson(current, listen)) return "unchanged";
      await expectOk(current === undefined ? "PUT" : "PATCH", `/id/${TENANT_SERVER_ID}/listen`, listen);
      return "updated";
    },

    async upsertRoute(route) {
      const id = route["@id"];
      const existing = await byId(id);
      if (existing === undefined) {
        await requireServer();
        await expectOk("POST", `/id/${TENANT_SERVER_ID}/routes`, route);
        return "created";
      }
      if (sameJson(existing, route)) return "unchanged";
      await expectOk("PATCH", `/id/${encodeURIComponent(id)}`, route);
      return "updated";
    },

    async deleteRoute(id) {
      const path = `/id/${encodeURIComponent(id)}`;
      const answer = await call("DELETE", path);
      if (answer.status === 404) return false;
      if (answer.status < 200 || answer.status > 299) throw refused("DELETE", path, answer);
      return true;
    },

    async listTenantRouteIds() {
      if ((await byId(TENANT_SERVER_ID)) === undefined) return [];
      const routes = await expectOk("GET", `/id/${TENANT_SERVER_ID}/routes`);
      if (!Array.isArray(routes)) return [];
      return routes
        .map((r) => (r && typeof r === "object" ? (r as { "@id"?: unknown })["@id"] : undefined))
        .filter((id): id is string => typeof id === "string" && id.startsWith(TENANT_ROUTE_ID_PREFIX));
    },

    async ensureConfig(path, value) {
      const answer = await call("GET", path);
      // Caddy 2.6: a missing last key reads as null; a missing parent is a 400 "invalid traversal path".
      const missingParent = answer.status === 400 && /invalid traversal path/.test(JSON.stringify(answer.json));
      if (!missingParent && (answer.status < 200 || answer.status > 299)) throw refused("GET", path, answer);
      const current = missingParent ? null : answer.json;
      if (sameJson(current, value)) return "unchanged";
      // PUT creates the key (and missing parents) but refuses an existing one; PATCH replaces it.
      await expectOk(current === null ? "PUT" : "PATCH", path, value);
      return current === null ? "created" : "updated";
    },

    async removeConfig(path) {
      const answer = await call("GET", path);
      const missingParent = answer.status === 400 && /invalid traversal path/.test(JSON.stringify(answer.json));
      if (missingParent || (answer.status >= 200 && answer.status <= 299 && answer.json === null)) return false;
      if (answer.status < 200 || answer.status > 299) throw refused("GET", path, answer);
      await expectOk("DELETE", path);
      return true;
    },
  };
}

/** Equal as JSON values, whatever the order of object keys (Caddy may give them back reordered). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
