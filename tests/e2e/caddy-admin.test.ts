// HTTPS per tenant, first block (issue 14). The Caddy admin-API client (orchestrator/proxy) against
// the real `caddy run` (Debian's package: CADDY_PATH, or caddy on PATH) on free loopback ports, with
// two tiny HTTP servers standing in for tenants' apps: a route sends its Host to its upstream,
// upserting the same route again changes nothing, a new upstream moves it, other hosts are not
// routed, deletes are idempotent, and with Caddy gone the error names the admin address and what
// to do. Then the portal's GET /_caddy/ask (on-demand TLS's question) on a shared PostgreSQL
// database: 200 only for a live tenant's hostname under TENANT_HOST_PATTERN, off when it is unset.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaddyAdminError, caddyAdmin, tenantRoute, type CaddyAdmin } from "../../orchestrator/index.ts";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { freePort, startPortal, type Portal } from "../support/portal.ts";

const CADDY = process.env.CADDY_PATH || "caddy";

/** A GET to 127.0.0.1:port with this Host header: the status and the body. */
function getWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { Host: host }, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function upstream(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(`tenant app ${name}`));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("Caddy's admin API, driven by the orchestrator's client", () => {
  let dir: string;
  let caddy: ChildProcess;
  let caddyOutput = "";
  let adminUrl: string;
  let httpPort: number;
  let admin: CaddyAdmin;
  let appA: { server: Server; port: number };
  let appB: { server: Server; port: number };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-caddy-"));
    const adminPort = await freePort();
    httpPort = await freePort();
    const httpsPort = await freePort();
    adminUrl = `http://127.0.0.1:${adminPort}`;
    // http_port is the port the tenants' server listens on: a server on the HTTP port only gets no
    // automatic HTTPS (no certificate is asked for the test's hostnames). Nothing is saved to disk.
    const config = {
      admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } },
      apps: { http: { http_port: httpPort, https_port: httpsPort } },
    };
    await writeFile(path.join(dir, "caddy.json"), JSON.stringify(config));
    caddy = spawn(CADDY, ["run", "--config", path.join(dir, "caddy.json")], {
      env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: path.join(dir, "config"), XDG_DATA_HOME: path.join(dir, "data") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    caddy.stdout!.on("data", (chunk: Buffer) => (caddyOutput += chunk.toString()));
    caddy.stderr!.on("data", (chunk: Buffer) => (caddyOutput += chunk.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (caddy.exitCode !== null) throw new Error(`caddy exited with ${caddy.exitCode}:\n${caddyOutput}`);
      const ok = await fetch(`${adminUrl}/config/`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`Caddy's admin API did not answer within 30 s:\n${caddyOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    admin = caddyAdmin(adminUrl);
    appA = await upstream("A");
    appB = await upstream("B");
  });

  afterAll(async () => {
    if (caddy && caddy.exitCode === null && caddy.signalCode === null) {
      caddy.kill("SIGKILL");
      await exited(caddy);
    }
    await Promise.all([appA, appB].filter(Boolean).map((a) => new Promise((resolve) => a.server.close(resolve))));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("creates the tenants' server once, on the given address", async () => {
    expect(await admin.listTenantRouteIds()).toEqual([]);
    expect(await admin.ensureTenantServer([`127.0.0.1:${httpPort}`])).toBe("created");
    expect(await admin.ensureTenantServer([`127.0.0.1:${httpPort}`])).toBe("unchanged");
    const config = (await admin.readConfig()) as { apps: { http: { servers: Record<string, { "@id": string; listen: string[] }> } } };
    expect(Object.values(config.apps.http.servers)).toEqual([{ "@id": "tenantry-tenants", listen: [`127.0.0.1:${httpPort}`], routes: [] }]);
  });

  it("routes a tenant's Host to its upstream, idempotently; a new upstream moves it; other hosts are not routed", async () => {
    const [a, b] = [appA, appB];
    const route = tenantRoute({ tenantId: "t-acme", hostnames: ["acme.apps.example.test"], upstream: `127.0.0.1:${a.port}` });
    expect(await admin.upsertRoute(route)).toBe("created");
    expect(await getWithHost(httpPort, "acme.apps.example.test")).toEqual({ status: 200, body: "tenant app A" });

    const before = await admin.readConfig();
    expect(await admin.upsertRoute(route)).toBe("unchanged");
    expect(await admin.readConfig()).toEqual(before);
    expect(await admin.listTenantRouteIds()).toEqual(["tenantry-tenant-t-acme"]);

    const moved = tenantRoute({ tenantId: "t-acme", hostnames: ["acme.apps.example.test"], upstream: `127.0.0.1:${b.port}` });
    expect(await admin.upsertRoute(moved)).toBe("updated");
    expect(await getWithHost(httpPort, "acme.apps.example.test")).toEqual({ status: 200, body: "tenant app B" });
    expect(await admin.listTenantRouteIds()).toEqual(["tenantry-tenant-t-acme"]);

    const other = await getWithHost(httpPort, "other.apps.example.test");
    expect(other.body).not.toMatch(/tenant app/);
  });

  it("deletes a route (and deleting it again is fine)", async () => {
    const a = appA;
    await admin.upsertRoute(tenantRoute({ tenantId: "t-keep", hostnames: ["keep.apps.example.test"], upstream: `127.0.0.1:${a.port}` }));
    expect(await admin.deleteRoute("tenantry-tenant-t-acme")).toBe(true);
    expect((await getWithHost(httpPort, "acme.apps.example.test")).body).not.toMatch(/tenant app/);
    expect(await admin.deleteRoute("tenantry-tenant-t-acme")).toBe(false);
    expect(await admin.listTenantRouteIds()).toEqual(["tenantry-tenant-t-keep"]);
    expect(await getWithHost(httpPort, "keep.apps.example.test")).toEqual({ status: 200, body: "tenant app A" });
  });

  it("reports Caddy's refusal with its status and message", async () => {
    const error = await caddyAdmin(adminUrl)
      .ensureTenantServer([`127.0.0.1:${httpPort}`, "not an address"])
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CaddyAdminError);
    // Caddy 2.6 answers a config it cannot load with a 500 and the reason.
    expect((error as CaddyAdminError).status).toBe(500);
    expect((error as CaddyAdminError).transient).toBe(false);
    expect((error as Error).message).toContain(`Caddy's admin API at ${adminUrl} refused PATCH /id/tenantry-tenants/listen: HTTP 500: `);
    expect((error as Error).message).toMatch(/listening on not an address.*fix that value/);
    // Refused: the server still listens where it did, the kept route still answers.
    expect(await getWithHost(httpPort, "keep.apps.example.test")).toEqual({ status: 200, body: "tenant app A" });
    // A listen address that differs is changed in place (the same port, written Caddy's other way).
    expect(await admin.ensureTenantServer([`tcp/127.0.0.1:${httpPort}`])).toBe("updated");
    expect(await admin.ensureTenantServer([`tcp/127.0.0.1:${httpPort}`])).toBe("unchanged");
    expect(await admin.listTenantRouteIds()).toEqual(["tenantry-tenant-t-keep"]);
    expect(await getWithHost(httpPort, "keep.apps.example.test")).toEqual({ status: 200, body: "tenant app A" });
  });

  it("with Caddy stopped, says which admin address did not answer and what to do", async () => {
    caddy.kill("SIGTERM");
    await exited(caddy);
    const route = tenantRoute({ tenantId: "t-acme", hostnames: ["acme.apps.example.test"], upstream: "127.0.0.1:1" });
    const error = await admin.upsertRoute(route).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CaddyAdminError);
    expect((error as CaddyAdminError).transient).toBe(true);
    expect((error as Error).message).toContain(`Caddy's admin API at ${adminUrl} did not answer (ECONNREFUSED)`);
    expect((error as Error).message).toMatch(/Is Caddy running \(`caddy run`\)\? .*check the admin address/);
  });
});

describe("GET /_caddy/ask (on-demand TLS asks before a certificate)", () => {
  let shared: SharedDatabase;
  let portal: Portal;
  let portalWithout: Portal;

  beforeAll(async () => {
    shared = await createSharedDatabase();
    const prisma = shared.db.prisma;
    const customer = await prisma.customer.create({ data: { email: "ask@example.com", firstName: "A", lastName: "Sk", company: "Ask", phone: "+33612345678" } });
    await prisma.tenant.create({ data: { slug: "acme", customerId: customer.id, statusToken: "ask-acme", actualState: "active" } });
    await prisma.tenant.create({ data: { slug: "paused", customerId: customer.id, statusToken: "ask-paused", desiredState: "suspended", actualState: "suspended" } });
    await prisma.tenant.create({ data: { slug: "going", customerId: customer.id, statusToken: "ask-going", desiredState: "destroyed", actualState: "destroying" } });
    await prisma.tenant.create({ data: { slug: "gone", customerId: customer.id, statusToken: "ask-gone", desiredState: "destroyed", actualState: "destroyed" } });
    portal = await startPortal({ DATABASE_URL: shared.url, TENANT_HOST_PATTERN: "{slug}.Apps.Example.test" });
    portalWithout = await startPortal({ DATABASE_URL: shared.url });
  });

  afterAll(async () => {
    await portal?.stop();
    await portalWithout?.stop();
    await shared?.dispose();
  });

  const ask = (base: string, domain: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/_caddy/ask?domain=${encodeURIComponent(domain)}`, { headers }).then((r) => r.status);

  it("says yes to a live tenant's hostname (suspended ones too) and no to anything else", async () => {
    expect(await ask(portal.url, "acme.apps.example.test")).toBe(200);
    expect(await ask(portal.url, "ACME.apps.example.test.")).toBe(200);
    expect(await ask(portal.url, "paused.apps.example.test")).toBe(200);
    expect(await ask(portal.url, "nobody.apps.example.test")).toBe(404);
    expect(await ask(portal.url, "going.apps.example.test")).toBe(404);
    expect(await ask(portal.url, "gone.apps.example.test")).toBe(404);
    expect(await ask(portal.url, "acme.example.test")).toBe(404);
    expect(await ask(portal.url, "acme.apps.example.test.evil.net")).toBe(404);
    expect(await fetch(`${portal.url}/_caddy/ask`).then((r) => r.status)).toBe(404);
  });

  it("refuses a request relayed by a proxy, and does not exist without TENANT_HOST_PATTERN", async () => {
    expect(await ask(portal.url, "acme.apps.example.test", { "X-Forwarded-For": "203.0.113.9" })).toBe(404);
    expect(await ask(portalWithout.url, "acme.apps.example.test")).toBe(404);
  });
});
