// Issue 14, must-show 4: a custom domain is enabled only once its DNS record points at the target.
// Real Docker engine (a provisioned tenant), a real `caddy run` (started with nothing but its admin
// address, on free loopback ports) and Debian's dnsmasq on loopback standing in for public DNS.
// While dnsmasq says the domain points elsewhere, the domain stays pending, Caddy has no host for it
// and the certificate ask says no; dnsmasq restarted with the CNAME to the target → after one
// custom-domains pass the domain is active, Caddy sends it to the tenant's login page (one route,
// same @id), the ask (the portal's GET /_caddy/ask handler) says yes, a reconcile pass keeps it; removed → gone from Caddy and the ask.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request, type Server } from "node:http";
import express from "express";
import { caddyAskEndpoint } from "../../app/http/caddy-ask.ts";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { CUSTOM_DOMAINS_TASK, decideCertificateAsk, parseHostPattern, tenantRouteId, type CustomDomainService, type Orchestrator, type RunReport, type Worker } from "../../orchestrator/index.ts";
import { startDnsmasq, type Dnsmasq } from "../support/dnsmasq.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { freePort } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const CADDY = process.env.CADDY_PATH || "caddy";
const PATTERN = "{slug}.b-domains.test";
const TARGET = "tenants.b-vendor.test";
const DOMAIN = "erp.b-customer.test";
const DNS_PORTS = { first: 47700, last: 47749 };

function getWithHost(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { Host: host }, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end();
  });
}

describe("custom domains: enabled only once their DNS points at the target", () => {
  let database: TestDatabase;
  let orchestrator: Orchestrator;
  let domains: CustomDomainService;
  let worker: Worker;
  let dir: string;
  let caddy: ChildProcess | undefined;
  let caddyOutput = "";
  let adminPort: number;
  let httpPort: number;
  let dns: Dnsmasq | undefined;
  // The orchestrator asks this server; dnsmasq is restarted on the same port with other records.
  let dnsPort: number;
  const { logger, lines: logLines } = capturingLogger();
  const company = `B Domains ${randomBytes(3).toString("hex")}`;
  let tenantId: string;
  let customerId: string;
  let slug: string;
  let domainId: string;
  const prisma = () => database.db.prisma;
  const pattern = parseHostPattern(PATTERN);
  // The portal's GET /_caddy/ask, as Caddy's on-demand TLS calls it.
  let askServer: Server;
  let askPort: number;
  const askStatus = async (domain: string) =>
    (await fetch(`http://127.0.0.1:${askPort}/_caddy/ask?domain=${encodeURIComponent(domain)}`, { headers: { Connection: "close" } })).status;

  async function startDns(records: Parameters<typeof startDnsmasq>[0]) {
    await dns?.stop();
    dns = await startDnsmasq(records, dnsPort ? { first: dnsPort, last: dnsPort } : DNS_PORTS);
    dnsPort = dns.port;
  }

  async function routeHosts(): Promise<string[]> {
    const response = await fetch(`http://127.0.0.1:${adminPort}/id/${tenantRouteId(tenantId)}`, { headers: { Connection: "close" } });
    expect(response.status).toBe(200);
    const route = (await response.json()) as { match: Array<{ host: string[] }> };
    return route.match[0]!.host;
  }

  async function jobEnds(jobId: string) {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId } });
      if (job.status === "succeeded") return;
      if (job.status === "failed" || Date.now() > deadline) throw new Error(`${job.kind} job ${job.status}: ${job.lastError ?? ""}\n${logLines.slice(-20).join("\n")}\n${caddyOutput.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function runPass(minutesAhead: number) {
    const reports = await orchestrator.runDueTasks(new Date(Date.now() + minutesAhead * 60_000));
    let domainsReport: Extract<RunReport, { outcome: "succeeded" }> | undefined;
    for (const name of ["reconcile", CUSTOM_DOMAINS_TASK]) {
      const report = reports.find((r) => r.task === name);
      if (report?.outcome !== "succeeded") throw new Error(`${name} did not succeed: ${JSON.stringify(report)}\n${logLines.slice(-20).join("\n")}`);
      domainsReport = report;
    }
    return domainsReport!;
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-b-domains-"));
    adminPort = await freePort();
    httpPort = await freePort();
    await writeFile(path.join(dir, "caddy.json"), JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } } }));
    const child = spawn(CADDY, ["run", "--config", path.join(dir, "caddy.json")], {
      env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: path.join(dir, "config"), XDG_DATA_HOME: path.join(dir, "data") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    caddy = child;
    child.stdout.on("data", (chunk: Buffer) => (caddyOutput += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (caddyOutput += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (!(await fetch(`http://127.0.0.1:${adminPort}/config/`).then((r) => r.ok, () => false))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Caddy's admin API did not answer:\n${caddyOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // At first the customer's record points somewhere else.
    await startDns({ hostRecords: [[TARGET, "127.0.0.1"], [DOMAIN, "203.0.113.7"]] });
    orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: { first: 47770, last: 47799 },
      mailboxDir: path.join(dir, "mailbox"),
      proxy: { adminUrl: `http://127.0.0.1:${adminPort}`, hostPattern: PATTERN, listen: `127.0.0.1:${httpPort}`, vendorName: "B Vendor" },
      customDomains: { target: TARGET, perTenant: 2, dnsServers: [dns!.server] },
    });
    domains = orchestrator.customDomains!;
    const app = express();
    app.get("/_caddy/ask", caddyAskEndpoint({ prisma: prisma(), pattern: PATTERN, logger: { ...logger, debug: () => {} } }));
    askServer = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => askServer.once("listening", () => resolve()));
    askPort = (askServer.address() as { port: number }).port;
    worker = orchestrator.startWorker();
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await new Promise((resolve) => (askServer ? askServer.close(resolve) : resolve(undefined)));
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await dns?.stop();
    if (caddy && caddy.exitCode === null) {
      const gone = new Promise<void>((resolve) => caddy!.once("exit", () => resolve()));
      caddy.kill("SIGKILL");
      await gone;
    }
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("provisions a tenant reachable at its pattern hostname", async () => {
    expect(domains).toBeTruthy();
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const created = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantId = created.id;
    customerId = created.customerId;
    slug = created.slug;
    await jobEnds(created.jobs[0]!.id);
    const answer = await getWithHost(httpPort, `${slug}.b-domains.test`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Sign in / Connexion");
  });

  it("added while DNS points elsewhere: pending, no host in Caddy, the ask says no", async () => {
    const added = await domains.add({ tenantId, hostname: "ERP.B-Customer.test.", actor: { type: "customer", id: customerId } });
    domainId = added.id;
    expect(added).toMatchObject({ hostname: DOMAIN, status: "pending", lastCheckResult: "points_elsewhere", lastCheckError: "203.0.113.7" });
    expect(added.lastCheckedAt).toBeInstanceOf(Date);
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`]);
    expect((await getWithHost(httpPort, DOMAIN)).body).not.toContain("Sign in / Connexion");
    expect(await decideCertificateAsk(prisma(), pattern, DOMAIN)).toMatchObject({ allowed: false });
    expect(await askStatus(DOMAIN)).toBe(404);
    expect(await askStatus(`${slug}.b-domains.test`)).toBe(200);

    // A pass with DNS unchanged leaves it pending.
    expect((await runPass(10)).summary).toMatchObject({ checked: 1, activated: 0, stillPending: 1 });
    expect(await prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } })).toMatchObject({ status: "pending" });
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`]);
  });

  it("DNS now has the CNAME to the target: one pass enables it; Caddy serves the tenant at the domain; the ask says yes", async () => {
    await startDns({ hostRecords: [[TARGET, "127.0.0.1"]], cnames: [[DOMAIN, TARGET]] });
    expect((await runPass(20)).summary).toMatchObject({ checked: 1, activated: 1, stillPending: 0 });

    const row = await prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } });
    expect(row).toMatchObject({ status: "active", lastCheckResult: "points_at_target", lastCheckError: `CNAME ${TARGET}` });
    expect(row.verifiedAt).toBeInstanceOf(Date);
    // One route for the tenant, same @id, both hosts.
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`, DOMAIN]);
    const answer = await getWithHost(httpPort, DOMAIN);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Sign in / Connexion");
    expect(await decideCertificateAsk(prisma(), pattern, DOMAIN)).toEqual({ allowed: true, tenantId });
    expect(await askStatus(DOMAIN)).toBe(200);

    const audit = await prisma().auditLog.findMany({ where: { tenantId, action: { startsWith: "domain." } }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType])).toEqual([
      ["domain.added", "customer"],
      ["domain.activated", "system"],
    ]);

    // The next passes keep it: the reconciler's route has the domain too, nothing flaps.
    const next = await runPass(30);
    expect(next.summary).toMatchObject({ checked: 0, activated: 0 });
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`, DOMAIN]);
  });

  it("removed by an admin: Caddy no longer has the host, the ask says no", async () => {
    await domains.remove({ tenantId, domainId, actor: { type: "admin", id: "b-admin@example.com" } });
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`]);
    expect((await getWithHost(httpPort, DOMAIN)).body).not.toContain("Sign in / Connexion");
    expect(await decideCertificateAsk(prisma(), pattern, DOMAIN)).toMatchObject({ allowed: false });
    expect(await askStatus(DOMAIN)).toBe(404);
    const removed = await prisma().auditLog.findFirstOrThrow({ where: { tenantId, action: "domain.removed" } });
    expect(removed).toMatchObject({ actorType: "admin", actorId: "b-admin@example.com" });
  });
});
