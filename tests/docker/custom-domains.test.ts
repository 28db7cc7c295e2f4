// Issue 14, must-show 4: a custom domain is enabled only once its DNS record points at the target.
// Real Docker engine (a provisioned tenant), a real `caddy run` (started with nothing but its admin
// address, on free loopback ports) and Debian's dnsmasq on loopback standing in for public DNS.
// While dnsmasq says the domain points elsewhere, the domain stays pending, Caddy has no host for it
// and the certificate ask says no; dnsmasq restarted with the CNAME to the target → after one
// custom-domains pass the domain is active, Caddy sends it to the tenant's login page (one route,
// same @id), the ask (the portal's GET /_caddy/ask handler) says yes, a reconcile pass keeps it; removed → gone from Caddy and the ask.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOM_DOMAINS_TASK, decideCertificateAsk, parseHostPattern, tenantRouteId, type CustomDomainService, type Orchestrator, type Worker } from "../../orchestrator/index.ts";
import { serveCaddyAsk, type CaddyAskServer } from "../support/caddy-ask-server.ts";
import { bareCaddy, httpGetWithHost, routeHosts as routeHostsOf, type BareCaddy } from "../support/caddy-process.ts";
import { dnsmasqOnOnePort, type DnsOnOnePort } from "../support/dnsmasq.ts";
import { capturingLogger, dueTasksSucceed, engineOrchestrator, jobSucceeds } from "../support/engine-orchestrator.ts";
import { freePort } from "../support/portal.ts";
import { trialSignup } from "../support/signup-fixtures.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const PATTERN = "{slug}.b-domains.test";
const TARGET = "tenants.b-vendor.test";
const DOMAIN = "erp.b-customer.test";
const DNS_PORTS = { first: 47700, last: 47749 };

describe("custom domains: enabled only once their DNS points at the target", () => {
  let database: TestDatabase;
  let orchestrator: Orchestrator;
  let domains: CustomDomainService;
  let worker: Worker;
  let dir: string;
  let caddy: BareCaddy | undefined;
  let httpPort: number;
  // The orchestrator asks this server; dnsmasq is restarted on the same port with other records.
  let dns: DnsOnOnePort | undefined;
  const { logger, lines: logLines } = capturingLogger();
  const company = `B Domains ${randomBytes(3).toString("hex")}`;
  let tenantId: string;
  let customerId: string;
  let slug: string;
  let domainId: string;
  const prisma = () => database.db.prisma;
  const pattern = parseHostPattern(PATTERN);
  // The portal's GET /_caddy/ask, as Caddy's on-demand TLS calls it.
  let ask: CaddyAskServer | undefined;
  const askStatus = (domain: string) => ask!.status(domain);
  const context = () => `${logLines.slice(-20).join("\n")}\n${caddy?.output().slice(-2000) ?? ""}`;
  const routeHosts = () => routeHostsOf(caddy!.adminUrl, tenantRouteId(tenantId));
  const jobEnds = (jobId: string) => jobSucceeds(prisma(), jobId, context);

  async function runPass(minutesAhead: number) {
    const reports = await dueTasksSucceed(orchestrator, new Date(Date.now() + minutesAhead * 60_000), ["reconcile", CUSTOM_DOMAINS_TASK], context);
    return reports[CUSTOM_DOMAINS_TASK]!;
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-b-domains-"));
    caddy = await bareCaddy(dir, await freePort());
    httpPort = await freePort();
    // At first the customer's record points somewhere else.
    dns = await dnsmasqOnOnePort({ hostRecords: [[TARGET, "127.0.0.1"], [DOMAIN, "203.0.113.7"]] }, DNS_PORTS);
    orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: { first: 47770, last: 47799 },
      mailboxDir: path.join(dir, "mailbox"),
      proxy: { adminUrl: caddy.adminUrl, hostPattern: PATTERN, listen: `127.0.0.1:${httpPort}`, vendorName: "B Vendor" },
      customDomains: { target: TARGET, perTenant: 2, dnsServers: [dns.server] },
    });
    domains = orchestrator.customDomains!;
    ask = await serveCaddyAsk({ prisma: prisma(), pattern: PATTERN, logger: { ...logger, debug: () => {} } });
    worker = orchestrator.startWorker();
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await ask?.close();
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await dns?.stop();
    await caddy?.stop();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("provisions a tenant reachable at its pattern hostname", async () => {
    expect(domains).toBeTruthy();
    const created = await trialSignup(prisma(), { company });
    tenantId = created.id;
    customerId = created.customerId;
    slug = created.slug;
    await jobEnds(created.jobs[0]!.id);
    const answer = await httpGetWithHost(httpPort, `${slug}.b-domains.test`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Sign in / Connexion");
  });

  it("added while DNS points elsewhere: pending, no host in Caddy, the ask says no", async () => {
    const added = await domains.add({ tenantId, hostname: "ERP.B-Customer.test.", actor: { type: "customer", id: customerId } });
    domainId = added.id;
    expect(added).toMatchObject({ hostname: DOMAIN, status: "pending", lastCheckResult: "points_elsewhere", lastCheckError: "203.0.113.7" });
    expect(added.lastCheckedAt).toBeInstanceOf(Date);
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`]);
    expect((await httpGetWithHost(httpPort, DOMAIN)).body).not.toContain("Sign in / Connexion");
    expect(await decideCertificateAsk(prisma(), pattern, DOMAIN)).toMatchObject({ allowed: false });
    expect(await askStatus(DOMAIN)).toBe(404);
    expect(await askStatus(`${slug}.b-domains.test`)).toBe(200);

    // A pass with DNS unchanged leaves it pending.
    expect((await runPass(10)).summary).toMatchObject({ checked: 1, activated: 0, stillPending: 1 });
    expect(await prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } })).toMatchObject({ status: "pending" });
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`]);
  });

  it("DNS now has the CNAME to the target: one pass enables it; Caddy serves the tenant at the domain; the ask says yes", async () => {
    await dns!.restartWith({ hostRecords: [[TARGET, "127.0.0.1"]], cnames: [[DOMAIN, TARGET]] });
    expect((await runPass(20)).summary).toMatchObject({ checked: 1, activated: 1, stillPending: 0 });

    const row = await prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } });
    expect(row).toMatchObject({ status: "active", lastCheckResult: "points_at_target", lastCheckError: `CNAME ${TARGET}` });
    expect(row.verifiedAt).toBeInstanceOf(Date);
    // One route for the tenant, same @id, both hosts.
    expect(await routeHosts()).toEqual([`${slug}.b-domains.test`, DOMAIN]);
    const answer = await httpGetWithHost(httpPort, DOMAIN);
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
    expect((await httpGetWithHost(httpPort, DOMAIN)).body).not.toContain("Sign in / Connexion");
    expect(await decideCertificateAsk(prisma(), pattern, DOMAIN)).toMatchObject({ allowed: false });
    expect(await askStatus(DOMAIN)).toBe(404);
    const removed = await prisma().auditLog.findFirstOrThrow({ where: { tenantId, action: "domain.removed" } });
    expect(removed).toMatchObject({ actorType: "admin", actorId: "b-admin@example.com" });
  });
});
