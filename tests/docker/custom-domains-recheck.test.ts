// Active custom domains are checked again (issue 14, follow-up). Real Docker engine (a provisioned
// tenant), a real `caddy run` (only its admin address, on loopback ports of this file's range),
// Debian's dnsmasq on loopback standing in for public DNS, a real SMTP server (tests/support/
// smtp-peer.ts) and the orchestrator's clock moved by hand. An active domain whose record moves
// elsewhere is marked by the next re-check and still served (Caddy has it, the ask says yes); set
// back, the mark is cleared; not re-checked again before 6 hours; marked again, then a failed lookup
// past the grace changes nothing; the record still gone after the 7 days' grace → disabled: out of
// Caddy's route, the ask says no, audited with the system as actor, the customer emailed once in
// French (their language); the record fixed → enabled again by itself.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CUSTOM_DOMAINS_TASK,
  createOrchestrator,
  offsetClock,
  tenantRouteId,
  type CustomDomainService,
  type MailSender,
  type Orchestrator,
  type Worker,
} from "../../orchestrator/index.ts";
import { serveCaddyAsk, type CaddyAskServer } from "../support/caddy-ask-server.ts";
import { bareCaddy, httpGetWithHost, routeHosts as routeHostsOf, type BareCaddy } from "../support/caddy-process.ts";
import { dnsmasqOnOnePort, type DnsOnOnePort, type DnsRecords } from "../support/dnsmasq.ts";
import { capturingLogger, dueTasksSucceed, jobSucceeds, LOCAL_TEMPLATE_VALUES, TEMPLATES_DIR } from "../support/engine-orchestrator.ts";
import { portInRange } from "../support/free-port-in-range.ts";
import { trialSignup } from "../support/signup-fixtures.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

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

describe("custom domains: active ones are checked again, marked, disabled after the grace, enabled again", () => {
  let database: TestDatabase;
  let orchestrator: Orchestrator;
  let domains: CustomDomainService;
  let worker: Worker;
  let sender: MailSender;
  let peer: SmtpPeer;
  let dir: string;
  let caddy: BareCaddy | undefined;
  let httpPort: number;
  // The orchestrator asks this server; dnsmasq is restarted on the same port with other records.
  let dns: DnsOnOnePort | undefined;
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
  let ask: CaddyAskServer | undefined;
  const askStatus = (domain: string) => ask!.status(domain);
  const domainRow = () => prisma().customDomain.findUniqueOrThrow({ where: { id: domainId } });
  const context = () => `${logLines.slice(-20).join("\n")}\n${caddy?.output().slice(-2000) ?? ""}`;
  const routeHosts = () => routeHostsOf(caddy!.adminUrl, tenantRouteId(tenantId));
  const jobEnds = (jobId: string) => jobSucceeds(prisma(), jobId, context);

  /** dnsmasq restarted on its port with these records; null: stopped (the resolver down). */
  const setDns = (records: DnsRecords | null) => dns!.restartWith(records);

  async function served(): Promise<boolean> {
    return (await httpGetWithHost(httpPort, DOMAIN)).body.includes("Sign in / Connexion");
  }

  /** Moves the orchestrator's clock to `ms` after the start and runs the due tasks as of then. */
  async function passAt(ms: number) {
    offsetMs = ms;
    lastPassAt = clock.now();
    const reports = await dueTasksSucceed(orchestrator, lastPassAt, ["reconcile", CUSTOM_DOMAINS_TASK], context);
    return reports[CUSTOM_DOMAINS_TASK]!.summary;
  }

  /** DNS set to `records`, then a pass `minutes` after the marked domain's 7 days' grace ran out. */
  async function passPastGrace(records: DnsRecords | null, minutes: number) {
    const since = (await domainRow()).misconfiguredSince!;
    await setDns(records);
    const at = since.getTime() - Date.now() + 7 * DAY + minutes * 60_000;
    return { since, at, summary: await passAt(at) };
  }

  async function domainEmails() {
    await sender.drain();
    // The sender's own loop may be sending a message drain() found claimed (and so skipped): the
    // count is read once nothing is being sent.
    const deadline = Date.now() + 30_000;
    while ((await prisma().emailOutbox.count({ where: { status: "sending" } })) > 0) {
      if (Date.now() > deadline) throw new Error("an email stayed in 'sending' for 30 s: see the mail sender's log lines");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return peer.received.filter((mail) => (mail.subject ?? "").includes(DOMAIN));
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-q-recheck-"));
    caddy = await bareCaddy(dir, await portInRange(CADDY_PORTS.first, CADDY_PORTS.last));
    httpPort = await portInRange(CADDY_PORTS.first, CADDY_PORTS.last);
    dns = await dnsmasqOnOnePort(AT_TARGET, DNS_PORTS);
    peer = smtpPeer(await portInRange(SMTP_PORTS.first, SMTP_PORTS.last));
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
      proxy: { adminUrl: caddy.adminUrl, hostPattern: PATTERN, listen: `127.0.0.1:${httpPort}`, vendorName: "Q Vendor" },
      customDomains: { target: TARGET, perTenant: 2, dnsServers: [dns.server] },
    });
    domains = orchestrator.customDomains!;
    ask = await serveCaddyAsk({ prisma: prisma(), pattern: PATTERN, logger: { ...logger, debug: () => {} } });
    worker = orchestrator.startWorker();
    // Drained by hand too (domainEmails), so that the count seen is the count sent.
    sender = orchestrator.startMailSender();
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await sender?.stop();
    await ask?.close();
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await dns?.stop();
    await peer?.stop();
    await caddy?.stop();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a tenant with an active custom domain, served by Caddy, the ask says yes", async () => {
    const created = await trialSignup(prisma(), { company }, { locale: "fr" });
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
    const { since, summary } = await passPastGrace(null, 10);
    expect(summary).toMatchObject({ rechecked: 1, disabled: 0 });
    const row = await domainRow();
    expect(row).toMatchObject({ status: "active", lastCheckResult: "lookup_failed" });
    expect(row.misconfiguredSince).toEqual(since);
    expect(await routeHosts()).toEqual([`${slug}.q-recheck.test`, DOMAIN]);
    expect(await askStatus(DOMAIN)).toBe(200);
    expect(await domainEmails()).toEqual([]);
  }, 60_000);

  it("still gone after the 7 days' grace: disabled, out of Caddy, the ask says no, audited, the customer emailed once in French", async () => {
    const { since, at, summary } = await passPastGrace(GONE, 20);
    expect(summary).toMatchObject({ rechecked: 1, disabled: 1 });
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
