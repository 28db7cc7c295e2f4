// Active custom domains are checked again (issue 14, follow-up). Real Docker engine (a provisioned
// tenant), a real `caddy run` (only its admin address, on loopback ports of this file's range),
// Debian's dnsmasq on loopback standing in for public DNS, a real SMTP server (tests/support/
// smtp-peer.ts) and the orchestrator's clock moved by hand. An active domain whose record moves
// elsewhere is marked by the next re-check and still served (Caddy has it, the ask says yes); set
// back, the mark is cleared; not re-checked again before 6 hours; marked again, then a failed lookup
// past the grace changes nothing; the record still gone after the 7 days' grace → disabled: out of
// Caddy's route, the ask says no, audited with the system as actor, the customer emailed once in
// French (their language); the record fixed → enabled again by itself.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyAskEndpoint } from "../../app/http/caddy-ask.ts";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import {
  CUSTOM_DOMAINS_TASK,
  createOrchestrator,
  offsetClock,
  tenantRouteId,
  type CustomDomainService,
  type MailSender,
  type Orchestrator,
  type RunReport,
  type Worker,
} from "../../orchestrator/index.ts";
import { startDnsmasq, type Dnsmasq, type DnsRecords } from "../support/dnsmasq.ts";
import { capturingLogger, LOCAL_TEMPLATE_VALUES, TEMPLATES_DIR } from "../support/engine-orchestrator.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const CADDY = process.env.CADDY_PATH || "caddy";
const PATTERN = "{slug}.q-recheck.test";
const TARGET = "tenants.q-vendor.test";
const DOMAIN = "erp.q-customer.test";
const PORTAL_URL = "https://portal.q-vendor.test";
// This file's ports (48200-48299): DNS, Caddy's admin and HTTP, SMTP, the tenant's app.
const DNS_PORTS = { first: 48200, last: 48219 };
const CADDY_PORTS = { first: 48220, last: 48239 };
const SMTP_PORTS = { first: 48240, last: 48249 };
const TENANT_PORTS = { first: 48260, last: 48299 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const AT_TARGET: DnsRecords = { hostRecords: [[TARGET, "127.0.0.1"]], cnames: [[DOMAIN, TARGET]] };
const ELSEWHERE: DnsRecords = { hostRecords: [[TARGET, "127.0.0.1"], [DOMAIN, "203.0.113.7"]] };
// The name gone from DNS altogether (dnsmasq answers NXDOMAIN for unknown names under .test).
const GONE: DnsRecords = { hostRecords: [[TARGET, "127.0.0.1"]] };

/** A port of `range` nothing listens on (loopback), tried from a random start. */
async function portIn(range: { first: number; last: number }, taken: number[] = []): Promise<number> {
  const size = range.last - range.first + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = range.first + ((start + i) % size);
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free loopback port in ${range.first}-${range.last}: stop what holds them (another run of this file?)`);
}

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

describe("custom domains: active ones are checked again, marked, disabled after the grace, enabled again", () => {
  let database: TestDatabase;
  let orchestrator: Orchestrator;
  let domains: CustomDomainService;
  let worker: Worker;
  let sender: MailSender;
  let peer: SmtpPeer;
  let dir: string;
  let caddy: ChildProcess | undefined;
  let caddyOutput = "";
  let adminPort: number;
  let httpPort: number;
  let dns: Dnsmasq | undefined;
  let dnsPort = 0;
  let offsetMs = 0;
  // The time the last pass ran as of.
  let lastPassAt = new Date(0);
  const clock = offsetClock(() => offsetMs);
  const { logger, lines: logLines } = capturingLogger();
  const company = `Q Recheck ${randomBytes(3).toString("hex")}`;
  let tenantId: string;
  let customerEmail: string;
  let slug: string;
  let domainId: string;
  const prisma = () => database.db.prisma;
  let askServer: Server;
  let askPort: number;
  const askStatus = async (domain: string) =>
    (await fetch(`http://127.0.0.1:${askPort}/_caddy/ask?domain=${encodeURIComponent(domain)}`, { headers: { Connection: "close" } })).status;
  const domainRow = () => prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } });

  /** dnsmasq (re)started on the same port with these records; null: stopped (the resolver down). */
  async function setDns(records: DnsRecords | null) {
    await dns?.stop();
    dns = undefined;
    if (!records) return;
    dns = await startDnsmasq(records, dnsPort ? { first: dnsPort, last: dnsPort } : DNS_PORTS);
    dnsPort = dns.port;
  }

  async function routeHosts(): Promise<string[]> {
    const response = await fetch(`http://127.0.0.1:${adminPort}/id/${tenantRouteId(tenantId)}`, { headers: { Connection: "close" } });
    expect(response.status).toBe(200);
    const route = (await response.json()) as { match: Array<{ host: string[] }> };
    return route.match[0]!.host;
  }

  async function served(): Promise<boolean> {
    return (await getWithHost(httpPort, DOMAIN)).body.includes("Sign in / Connexion");
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

  /** Moves the orchestrator's clock to `ms` after the start and runs the due tasks as of then. */
  async function passAt(ms: number) {
    offsetMs = ms;
    lastPassAt = clock.now();
    const reports = await orchestrator.runDueTasks(lastPassAt);
    let domainsReport: Extract<RunReport, { outcome: "succeeded" }> | undefined;
    for (const name of ["reconcile", CUSTOM_DOMAINS_TASK]) {
      const report = reports.find((r) => r.task === name);
      if (report?.outcome !== "succeeded") throw new Error(`${name} did not succeed: ${JSON.stringify(report)}\n${logLines.slice(-20).join("\n")}`);
      domainsReport = report;
    }
    return domainsReport!.summary;
  }

  async function domainEmails() {
    await sender.drain();
    return peer.received.filter((mail) => (mail.subject ?? "").includes(DOMAIN));
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-q-recheck-"));
    adminPort = await portIn(CADDY_PORTS);
    httpPort = await portIn(CADDY_PORTS, [adminPort]);
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
    await setDns(AT_TARGET);
    peer = smtpPeer(await portIn(SMTP_PORTS));
    await peer.start();
    orchestrator = await createOrchestrator({
      prisma: prisma(),
      logger,
      clock,
      driver: { kind: "docker", socketPath: "/var/run/docker.sock" },
      templatesDir: TEMPLATES_DIR,
      template: "demo",
      templateValues: LOCAL_TEMPLATE_VALUES,
      bindAddress: "127.0.0.1",
      tenantUrl: "http://{slug}.q-recheck.test/",
      portalUrl: PORTAL_URL,
      portRange: TENANT_PORTS,
      mail: { smtpUrl: `smtp://127.0.0.1:${peer.port}`, devMailboxDir: path.join(dir, "mailbox"), from: "Q Vendor <cloud@q-vendor.test>" },
      secretKey: randomBytes(32),
      pollIntervalMs: 200,
      proxy: { adminUrl: `http://127.0.0.1:${adminPort}`, hostPattern: PATTERN, listen: `127.0.0.1:${httpPort}`, vendorName: "Q Vendor" },
      customDomains: { target: TARGET, perTenant: 2, dnsServers: [dns!.server] },
    });
    domains = orchestrator.customDomains!;
    const app = express();
    app.get("/_caddy/ask", caddyAskEndpoint({ prisma: prisma(), pattern: PATTERN, logger: { ...logger, debug: () => {} } }));
    askServer = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => askServer.once("listening", () => resolve()));
    askPort = (askServer.address() as { port: number }).port;
    worker = orchestrator.startWorker();
    // Drained by hand (domainEmails), so that the count seen is the count sent.
    sender = orchestrator.startMailSender();
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await sender?.stop();
    await new Promise((resolve) => (askServer ? askServer.close(resolve) : resolve(undefined)));
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await dns?.stop();
    await peer?.stop();
    if (caddy && caddy.exitCode === null) {
      const gone = new Promise<void>((resolve) => caddy!.once("exit", () => resolve()));
      caddy.kill("SIGKILL");
      await gone;
    }
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a tenant with an active custom domain, served by Caddy, the ask says yes", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext({ locale: "fr" }));
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const created = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true, customer: true } });
    tenantId = created.id;
    customerEmail = created.customer.email;
    slug = created.slug;
    await jobEnds(created.jobs[0]!.id);
    const added = await domains.add({ tenantId, hostname: DOMAIN, actor: { type: "customer", id: created.customerId } });
    domainId = added.id;
    expect(added).toMatchObject({ status: "active", misconfiguredSince: null });
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`, DOMAIN]);
    expect(await served()).toBe(true);
    expect(await askStatus(DOMAIN)).toBe(200);
    expect(domains.misconfiguredGraceDays).toBe(7);
  });

  it("the record moved elsewhere: the next re-check marks it; still in Caddy, still served, the ask still says yes", async () => {
    await setDns(ELSEWHERE);
    // Within 6 hours of its last check an active domain is not checked again.
    expect(await passAt(10 * 60_000)).toMatchObject({ checked: 0, rechecked: 0, misconfigured: 0 });
    expect(await domainRow()).toMatchObject({ status: "active", misconfiguredSince: null, lastCheckResult: "points_at_target" });

    const markedAt = 6 * HOUR + 10 * 60_000;
    expect(await passAt(markedAt)).toMatchObject({ rechecked: 1, misconfigured: 1, disabled: 0 });
    const row = await domainRow();
    expect(row).toMatchObject({ status: "active", lastCheckResult: "points_elsewhere", lastCheckError: "203.0.113.7" });
    expect(row.misconfiguredSince).toEqual(lastPassAt);
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`, DOMAIN]);
    expect(await served()).toBe(true);
    expect(await askStatus(DOMAIN)).toBe(200);
    const marked = await prisma().auditLog.findFirstOrThrow({ where: { tenantId, action: "domain.misconfigured" } });
    expect(marked).toMatchObject({ actorType: "system", outcome: "succeeded" });
    expect(marked.details).toMatchObject({ hostname: DOMAIN, result: "points_elsewhere", found: "203.0.113.7", target: TARGET });

    // A marked domain is checked at every pass; still within the grace, nothing more happens.
    expect(await passAt(markedAt + 20 * 60_000)).toMatchObject({ rechecked: 1, misconfigured: 0, disabled: 0 });
    expect((await domainRow()).misconfiguredSince).toEqual(row.misconfiguredSince);
  });

  it("set back to the target: the mark is cleared (audited); the domain is then left alone for 6 hours", async () => {
    await setDns(AT_TARGET);
    const fixedAt = 7 * HOUR;
    expect(await passAt(fixedAt)).toMatchObject({ rechecked: 1, fixed: 1 });
    expect(await domainRow()).toMatchObject({ status: "active", misconfiguredSince: null, lastCheckResult: "points_at_target" });
    const fixed = await prisma().auditLog.findFirstOrThrow({ where: { tenantId, action: "domain.record_fixed" } });
    expect(fixed).toMatchObject({ actorType: "system" });

    await setDns(GONE);
    expect(await passAt(fixedAt + 30 * 60_000)).toMatchObject({ rechecked: 0 });
    expect(await domainRow()).toMatchObject({ misconfiguredSince: null });
    expect(await passAt(fixedAt + 6 * HOUR)).toMatchObject({ rechecked: 1, misconfigured: 1 });
    expect(await domainRow()).toMatchObject({ status: "active", lastCheckResult: "no_record" });
  });

  it("past the grace with the resolver down: nothing but the recorded result changes", async () => {
    const since = (await domainRow()).misconfiguredSince!;
    await setDns(null);
    const at = since.getTime() - Date.now() + 7 * DAY + 10 * 60_000;
    expect(await passAt(at)).toMatchObject({ rechecked: 1, disabled: 0 });
    const row = await domainRow();
    expect(row).toMatchObject({ status: "active", lastCheckResult: "lookup_failed" });
    expect(row.misconfiguredSince).toEqual(since);
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`, DOMAIN]);
    expect(await askStatus(DOMAIN)).toBe(200);
    expect(await domainEmails()).toEqual([]);
  }, 60_000);

  it("still gone after the 7 days' grace: disabled, out of Caddy, the ask says no, audited, the customer emailed once in French", async () => {
    const since = (await domainRow()).misconfiguredSince!;
    await setDns(GONE);
    const at = since.getTime() - Date.now() + 7 * DAY + 20 * 60_000;
    expect(await passAt(at)).toMatchObject({ rechecked: 1, disabled: 1 });
    const row = await domainRow();
    // Pending again, the mark kept (the card says why it was disabled).
    expect(row).toMatchObject({ status: "pending", lastCheckResult: "no_record" });
    expect(row.misconfiguredSince).toEqual(since);
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`]);
    expect(await served()).toBe(false);
    expect(await askStatus(DOMAIN)).toBe(404);

    const disabled = await prisma().auditLog.findMany({ where: { tenantId, action: "domain.disabled" } });
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({ actorType: "system", actorId: null, outcome: "succeeded" });
    expect(disabled[0]!.details).toMatchObject({ hostname: DOMAIN, result: "no_record", misconfiguredSince: since.toISOString(), graceDays: 7 });

    const mails = await domainEmails();
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toBe(`Votre domaine ${DOMAIN} a été désactivé`);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toContain(customerEmail);
    expect(mail.text).toContain("Ce nom n’a plus aucun enregistrement DNS.");
    expect(mail.text).toContain(`${DOMAIN} CNAME ${TARGET}`);
    expect(mail.text).toContain(`${PORTAL_URL}/trial/`);
    // Kept in the outbox like the other emails carrying the account link: sealed, then redacted.
    const outbox = await prisma().emailOutbox.findMany({ where: { purpose: "custom-domain-disabled" } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!).toMatchObject({ tenantId, locale: "fr", status: "sent" });
    expect(outbox[0]!.bodyText).not.toContain(`${PORTAL_URL}/trial/`);

    // Later passes: still pending (the record is still gone), nothing more written or sent.
    expect(await passAt(at + 10 * 60_000)).toMatchObject({ checked: 1, stillPending: 1, rechecked: 0, disabled: 0 });
    expect(await domainEmails()).toHaveLength(1);
    expect(await prisma().auditLog.count({ where: { tenantId, action: "domain.disabled" } })).toBe(1);
  }, 60_000);

  it("the record fixed: enabled again by itself, back in Caddy, the ask says yes, the mark gone", async () => {
    await setDns(AT_TARGET);
    expect(await passAt(offsetMs + 10 * 60_000)).toMatchObject({ checked: 1, activated: 1 });
    expect(await domainRow()).toMatchObject({ status: "active", misconfiguredSince: null, lastCheckResult: "points_at_target" });
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`, DOMAIN]);
    expect(await served()).toBe(true);
    expect(await askStatus(DOMAIN)).toBe(200);

    const audit = await prisma().auditLog.findMany({ where: { tenantId, action: { startsWith: "domain." } }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType])).toEqual([
      ["domain.added", "customer"],
      ["domain.activated", "system"],
      ["domain.misconfigured", "system"],
      ["domain.record_fixed", "system"],
      ["domain.misconfigured", "system"],
      ["domain.disabled", "system"],
      ["domain.activated", "system"],
    ]);
    expect(audit.at(-1)!.details).toMatchObject({ afterDisabled: true });
    expect(await domainEmails()).toHaveLength(1);
  });
});
