// A test double of Portainer CE's HTTP API: the subset Tenantry's Portainer driver uses, with
// Portainer's paths, status codes, error bodies and quirks, deploying for real on the local Docker
// engine. See README.md in this folder for what it implements and which versions it follows.
// It listens on 127.0.0.1 only.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StackSpec } from "../../orchestrator/stack-spec.ts";
import { Authenticator, LoginRateLimiter, type Authenticated, type DoubleUser } from "./auth.ts";
import { composeEngine } from "./compose.ts";
import { forwardToDocker } from "./docker-proxy.ts";
import { decodePayload, field, numericQuery, PortainerHttpError, portainerError, readBody, Reply, routeId } from "./http.ts";
import { StackStore, type DeployMode, type Environment, type StackRecord } from "./stacks.ts";

/** The Portainer version whose behaviour each mode follows (reference §0). */
export const FOLLOWED_VERSIONS: Record<DeployMode, string> = { sync: "2.23.0", async: "2.44.0" };

export interface PortainerDoubleOptions {
  /** "sync" behaves as 2.23 (and up to 2.39 LTS), "async" as the newest source (2.44). Default sync. */
  mode?: DeployMode;
  /** The Docker engine every environment of the double runs on. */
  socketPath?: string;
  /** Default: one administrator with a random password and a random API key. */
  users?: DoubleUser[];
  /** Default: environment 1 "local". All run on socketPath. */
  environments?: { Id: number; Name: string; Type?: number }[];
  /** JWT lifetime (Portainer's UserSessionTimeout). Default 8 h. */
  sessionTimeoutMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  via: Authenticated["via"] | "none";
  /** When it arrived and how long it took to answer (ms). */
  at: number;
  ms: number;
}

export interface PortainerDouble {
  readonly url: string;
  readonly mode: DeployMode;
  readonly version: string;
  readonly admin: DoubleUser;
  /** Every request answered (or dropped), in order. */
  readonly requests: RequestRecord[];
  /** Requests to POST /api/auth so far (successful or not). */
  logins(): number;
  /** Snapshot of the stack records, as GET /api/stacks would list them. */
  stacks(): StackRecord[];
  /** Starts listening (again, on the same port after stop). */
  start(): Promise<void>;
  /** Stops answering: connections are refused, as with Portainer down. */
  stop(): Promise<void>;
  /** stop + start: every JWT becomes invalid and login bans are lifted; stacks are kept (BoltDB). */
  restart(): Promise<void>;
  /** Waits for background (async mode) deployments to end. */
  settle(): Promise<void>;
  // Test controls: not Portainer behaviour, ways to put the double in situations Portainer meets.
  /** The next matching request is handled completely, then its connection closed with no answer. */
  loseNextResponse(method: string, path: RegExp): void;
  /** The next matching request waits `ms` before it is handled (a slow Portainer, e.g. a slow login). */
  delayNextRequest(method: string, path: RegExp, ms: number): void;
  /** The next `count` requests get a reverse proxy's 502/503/504 (Portainer down behind it). */
  failNextRequests(count: number, status?: 502 | 503 | 504): void;
  /** Runs before every compose up, with the stack as parsed (e.g. to occupy a port meanwhile). */
  beforeComposeUp(hook: ((spec: StackSpec) => Promise<void> | void) | undefined): void;
  unban(): void;
}

export async function startPortainerDouble(options: PortainerDoubleOptions = {}): Promise<PortainerDouble> {
  const mode = options.mode ?? "sync";
  const version = FOLLOWED_VERSIONS[mode];
  const socketPath = options.socketPath ?? "/var/run/docker.sock";
  const admin: DoubleUser = { id: 1, username: "admin", password: randomBytes(12).toString("hex"), role: 1, apiKey: `ptr_${randomBytes(24).toString("base64url")}` };
  const users = options.users ?? [admin];
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 8 * 60 * 60_000;
  const auth = new Authenticator(users, () => sessionTimeoutMs);
  const limiter = new LoginRateLimiter();
  const instanceId = randomBytes(16).toString("hex");
  let beforeUp: ((spec: StackSpec) => Promise<void> | void) | undefined;
  const engine = composeEngine({ socketPath, beforeUp: (spec) => beforeUp?.(spec) });
  const environments = new Map<number, Environment>(
    (options.environments ?? [{ Id: 1, Name: "local" }]).map((e) => [e.Id, { Id: e.Id, Name: e.Name, Type: e.Type ?? 1, URL: `unix://${socketPath}`, engine }]),
  );
  const store = new StackStore(() => mode, environments);
  const requests: RequestRecord[] = [];
  const losing: { method: string; path: RegExp }[] = [];
  const delaying: { method: string; path: RegExp; ms: number }[] = [];
  let failing: { count: number; status: number } = { count: 0, status: 502 };

  const environmentBody = (e: Environment) => ({
    Id: e.Id,
    Name: e.Name,
    Type: e.Type,
    URL: e.URL,
    PublicURL: "",
    GroupId: 1,
    TagIds: [],
    Status: 1,
    Snapshots: [],
    SecuritySettings: { allowStackManagementForRegularUsers: false, allowBindMountsForRegularUsers: false },
    ComposeSyntaxMaxVersion: "3.9",
  });

  async function route(req: IncomingMessage, url: URL, reply: Reply, record: RequestRecord): Promise<void> {
    const method = req.method ?? "GET";
    const path = url.pathname;

    if (path === "/api/system/status" || path === "/api/status") {
      return reply.json(200, { Version: version, InstanceID: instanceId });
    }
    if (path === "/api/auth" && method === "POST") {
      if (!limiter.allow(req.socket.remoteAddress ?? "")) throw portainerError(403, "Access denied", "access denied to resource");
      const payload = decodePayload(await readBody(req));
      const username = field(payload, "Username");
      const password = field(payload, "Password");
      if (typeof username !== "string" || username === "") throw portainerError(400, "Invalid request payload", "invalid username");
      if (typeof password !== "string" || password === "") throw portainerError(400, "Invalid request payload", "invalid password");
      const jwt = auth.login(username, password);
      reply.headers["Set-Cookie"] = `portainer_api_key=${jwt}; Path=/; HttpOnly; SameSite=Strict`;
      return reply.json(200, { jwt });
    }
    if (!path.startsWith("/api/")) return reply.text(404, "404 page not found\n");

    const who = auth.authenticate(req, url);
    record.via = who.via;
    reply.headers["X-Content-Type-Options"] = "nosniff";
    // With the cookie, CSRF protection applies to writes (a server-side client must not keep cookies).
    if (who.via === "cookie" && method !== "GET" && method !== "HEAD" && !req.headers["x-csrf-token"]) {
      return reply.text(403, "Forbidden - CSRF token invalid\n");
    }
    reply.headers["X-CSRF-Token"] = randomBytes(16).toString("base64url");

    if (path === "/api/auth/logout" && method === "POST") {
      auth.revoke(req);
      return reply.empty(204);
    }
    if (path === "/api/users/me" && method === "GET") return reply.json(200, { Id: who.user.id, Username: who.user.username, Role: who.user.role });

    if (path === "/api/endpoints" && method === "GET") {
      const name = url.searchParams.get("name");
      const list = [...environments.values()].filter((e) => name === null || e.Name === name).map(environmentBody);
      reply.headers["X-Total-Count"] = String(list.length);
      reply.headers["X-Total-Available"] = String(environments.size);
      return reply.json(200, list);
    }
    const endpointMatch = /^\/api\/endpoints\/([^/]+)(\/docker(\/.*)?)?$/.exec(path);
    if (endpointMatch) {
      const env = environments.get(routeId(endpointMatch[1]!, "environment"));
      if (!env) throw portainerError(404, "Unable to find an environment with the specified identifier inside the database", "object not found inside the database");
      if (endpointMatch[2] === undefined) {
        if (method !== "GET") return reply.text(405, "405 method not allowed\n");
        return reply.json(200, environmentBody(env));
      }
      await forwardToDocker(req, reply, socketPath, endpointMatch[3] ?? "/", url.search);
      record.status = reply.res.statusCode;
      return;
    }

    if (path === "/api/stacks" && method === "GET") return send(reply, store.list(url));
    if ((path === "/api/stacks/create/standalone/string" || path === "/api/stacks") && method === "POST") {
      if (path === "/api/stacks") {
        // The deprecated route, rewritten by Portainer to /stacks/create/{type}/{method}.
        const type = url.searchParams.get("type");
        if (type !== "2") throw portainerError(400, "Invalid query parameter: type", "missing query parameter");
        if (url.searchParams.get("method") !== "string") throw portainerError(400, "Invalid query parameter: method. Valid values are: file or string");
      }
      return send(reply, await store.create(url, decodePayload(await readBody(req)), who));
    }
    const stackMatch = /^\/api\/stacks\/([^/]+)(\/(file|start|stop))?$/.exec(path);
    if (stackMatch) {
      const id = routeId(stackMatch[1]!, "stack");
      const action = stackMatch[3];
      if (action === "file" && method === "GET") return send(reply, store.file(id));
      if (action === "start" && method === "POST") return send(reply, await store.start(id, url, who));
      if (action === "stop" && method === "POST") return send(reply, await store.stop(id, url, who));
      if (action === undefined && method === "GET") return send(reply, store.inspect(id));
      if (action === undefined && method === "PUT") return send(reply, await store.update(id, url, decodePayload(await readBody(req)), who));
      if (action === undefined && method === "DELETE") {
        numericQuery(url, "endpointId", true);
        return send(reply, await store.delete(id, url));
      }
    }
    return reply.text(404, "404 page not found\n");
  }

  function send(reply: Reply, result: { status: number; body?: unknown }): void {
    if (result.body === undefined) reply.empty(result.status);
    else reply.json(result.status, result.body);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const record: RequestRecord = { method, path: url.pathname, status: 0, via: "none", at: Date.now(), ms: 0 };
    res.on("close", () => (record.ms = Date.now() - record.at));
    requests.push(record);
    const lostAt = losing.findIndex((l) => l.method === method && l.path.test(url.pathname));
    const lose = lostAt >= 0;
    if (lose) losing.splice(lostAt, 1);
    const reply = new Reply(res, lose, (status) => (record.status = status));
    if (failing.count > 0) {
      failing.count--;
      req.resume();
      reply.text(failing.status, `<html><body><h1>${failing.status} Bad Gateway</h1></body></html>`);
      return;
    }
    const delayedAt = delaying.findIndex((d) => d.method === method && d.path.test(url.pathname));
    const delayMs = delayedAt >= 0 ? delaying.splice(delayedAt, 1)[0]!.ms : 0;
    const handle = () =>
      route(req, url, reply, record).catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        if (error instanceof PortainerHttpError) reply.error(error);
        else reply.error(portainerError(500, "Internal server error", error instanceof Error ? error.message : String(error)));
      });
    if (delayMs > 0) setTimeout(() => void handle(), delayMs);
    else void handle();
  });
  // Portainer's local Docker proxy cannot carry a hijacked (upgraded) connection: refuse it.
  server.on("upgrade", (_req, socket) => socket.destroy());

  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  const double: PortainerDouble = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    mode,
    version,
    admin,
    requests,
    logins: () => requests.filter((r) => r.path === "/api/auth" && r.method === "POST").length,
    stacks: () => [...store.records.values()].map((s) => ({ ...s })),
    start: async () => {
      if (!server.listening) await listen();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    restart: async () => {
      await double.stop();
      auth.rotateSecret();
      limiter.reset();
      await double.start();
    },
    settle: async () => {
      while (store.background.size > 0) await Promise.allSettled([...store.background]);
    },
    loseNextResponse: (method, path) => void losing.push({ method, path }),
    delayNextRequest: (method, path, ms) => void delaying.push({ method, path, ms }),
    failNextRequests: (count, status = 502) => {
      failing = { count, status };
    },
    beforeComposeUp: (hook) => {
      beforeUp = hook;
    },
    unban: () => limiter.reset(),
  };
  return double;
}
