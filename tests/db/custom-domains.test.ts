// Custom domains' rules on PostgreSQL and PGlite (issue 14): hostnames refused for their shape, the
// vendor's own domain or the target; stored lower-case and pending, checked at once (here against a
// DNS server that does not answer: the check's result is recorded, nothing is enabled); the
// per-tenant limit, also under concurrent adds; one tenant per hostname (a destroyed tenant's domain
// is free again); removal; every add and removal audited with its actor; the certificate ask says
// yes only for an active domain of a live tenant. The DNS and Caddy sides: tests/e2e/custom-domain-dns
// and tests/docker/custom-domains.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { CustomDomainRefused, decideCertificateAsk, parseHostPattern, type CustomDomainService } from "../../orchestrator/index.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { customDomainService } from "../../orchestrator/proxy/custom-domain-service.ts";
import { tenantProxy } from "../../orchestrator/proxy/route-steps.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const PATTERN = "{slug}.apps.vendor.test";
const TARGET = "tenants.vendor.test";
let t: TestDatabase;
let domains: CustomDomainService;
const prisma = () => t.db.prisma;

beforeAll(async () => {
  t = await createTestDatabase();
  const template = (await loadTemplates(path.resolve("compose-templates"))).get("demo")!;
  // Nothing listens on these: Caddy is never reached for pending domains, the DNS check fails.
  const proxy = tenantProxy({ adminUrl: "http://127.0.0.1:9", hostPattern: PATTERN, listen: "127.0.0.1:47797", vendorName: "B Vendor" });
  domains = customDomainService(
    { prisma: t.db.prisma, clock: systemClock, logger: silentLogger, template, bindAddress: "127.0.0.1", proxy, secretBox: new SecretBox(randomBytes(32)), tenantUrl: "http://{slug}.apps.vendor.test/" },
    { target: TARGET, perTenant: 2, dnsServers: ["127.0.0.1:47798"] },
  )!;
});
afterAll(async () => {
  await t?.dispose();
});

async function tenant(): Promise<{ id: string; customerId: string }> {
  const outcome = await registerTrialSignup(prisma(), signupData({ company: `B Domain Rules ${randomBytes(3).toString("hex")}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
  return prisma().tenant.update({ where: { statusToken: outcome.statusToken }, data: { actualState: "active" }, select: { id: true, customerId: true } });
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CustomDomainRefused);
  return (error as CustomDomainRefused).refusal;
}

describe(`custom domains (${process.env.TEST_DB_KIND})`, () => {
  it("refuses hostnames that are no domain, an address, the vendor's own domain or the target", async () => {
    const { id, customerId } = await tenant();
    const actor = { type: "customer" as const, id: customerId };
    const cases: Array<[string, string]> = [
      ["not a domain", "syntax"],
      ["-bad-.example.com", "syntax"],
      ["203.0.113.7", "ip-address"],
      ["[2001:db8::1]", "ip-address"],
      ["intranet", "single-label"],
      ["erp.localhost", "single-label"],
      ["other.apps.vendor.test", "vendor-domain"],
      ["apps.vendor.test", "vendor-domain"],
      ["Tenants.Vendor.test", "target"],
    ];
    for (const [hostname, problem] of cases) {
      expect(await refusal(domains.add({ tenantId: id, hostname, actor })), hostname).toEqual({ code: "invalid", problem });
    }
    expect(await prisma().customDomain.count({ where: { tenantId: id } })).toBe(0);
  });

  it("adds a domain pending, lower-case, checked at once and audited with the customer as actor", async () => {
    const { id, customerId } = await tenant();
    const added = await domains.add({ tenantId: id, hostname: " ERP.Customer-One.test. ", actor: { type: "customer", id: customerId } });
    expect(added).toMatchObject({ tenantId: id, hostname: "erp.customer-one.test", status: "pending", createdBy: "customer", lastCheckResult: "lookup_failed" });
    expect(added.lastCheckedAt).toBeInstanceOf(Date);
    expect(added.verifiedAt).toBeNull();
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { tenantId: id, action: "domain.added" } });
    expect(audit).toMatchObject({ actorType: "customer", actorId: customerId, outcome: "succeeded" });
    expect(audit.details).toMatchObject({ hostname: "erp.customer-one.test", target: TARGET });
  });

  it("keeps the per-tenant limit, also when adds race", async () => {
    const { id } = await tenant();
    const actor = { type: "admin" as const, id: "b-admin@example.com" };
    const results = await Promise.allSettled(["a.limit.test", "b.limit.test", "c.limit.test"].map((hostname) => domains.add({ tenantId: id, hostname, actor })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as CustomDomainRefused).refusal).toEqual({ code: "limit", limit: 2 });
    expect(await prisma().customDomain.count({ where: { tenantId: id } })).toBe(2);
    expect(await prisma().auditLog.count({ where: { tenantId: id, action: "domain.added", actorType: "admin", actorId: "b-admin@example.com" } })).toBe(2);
  });

  it("gives a hostname to one tenant only; a destroyed tenant's domain is free again", async () => {
    const first = await tenant();
    const second = await tenant();
    await domains.add({ tenantId: first.id, hostname: "shared.customer.test", actor: { type: "customer", id: first.customerId } });
    expect(await refusal(domains.add({ tenantId: first.id, hostname: "Shared.customer.test", actor: { type: "customer", id: first.customerId } }))).toEqual({ code: "duplicate" });
    expect(await refusal(domains.add({ tenantId: second.id, hostname: "shared.customer.test", actor: { type: "customer", id: second.customerId } }))).toEqual({ code: "taken" });

    await prisma().tenant.update({ where: { id: first.id }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    expect(await refusal(domains.add({ tenantId: first.id, hostname: "late.customer.test", actor: { type: "customer", id: first.customerId } }))).toEqual({ code: "tenant-gone" });
    const taken = await domains.add({ tenantId: second.id, hostname: "shared.customer.test", actor: { type: "customer", id: second.customerId } });
    expect(taken.tenantId).toBe(second.id);
    expect(await prisma().customDomain.count({ where: { hostname: "shared.customer.test" } })).toBe(1);
  });

  it("removes a domain of the tenant only, audited with its actor", async () => {
    const owner = await tenant();
    const other = await tenant();
    const added = await domains.add({ tenantId: owner.id, hostname: "gone-soon.customer.test", actor: { type: "customer", id: owner.customerId } });
    expect(await refusal(domains.remove({ tenantId: other.id, domainId: added.id, actor: { type: "customer", id: other.customerId } }))).toEqual({ code: "not-found" });
    await domains.remove({ tenantId: owner.id, domainId: added.id, actor: { type: "admin", id: "b-admin@example.com" } });
    expect(await prisma().customDomain.findUnique({ where: { id: added.id } })).toBeNull();
    expect(await prisma().auditLog.findFirstOrThrow({ where: { tenantId: owner.id, action: "domain.removed" } })).toMatchObject({ actorType: "admin", actorId: "b-admin@example.com" });
    expect(await refusal(domains.remove({ tenantId: owner.id, domainId: added.id, actor: { type: "customer", id: owner.customerId } }))).toEqual({ code: "not-found" });
    expect(await domains.list(owner.id)).toEqual([]);
  });

  it("the periodic pass checks pending domains of live tenants only", async () => {
    const live = await tenant();
    const gone = await tenant();
    const liveDomain = await domains.add({ tenantId: live.id, hostname: "pass-live.customer.test", actor: { type: "customer", id: live.customerId } });
    const goneDomain = await domains.add({ tenantId: gone.id, hostname: "pass-gone.customer.test", actor: { type: "customer", id: gone.customerId } });
    await prisma().tenant.update({ where: { id: gone.id }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const summary = await domains.task(5).run({ asOf: new Date(), periodStart: new Date(), runId: "test", signal: new AbortController().signal, logger: silentLogger });
    expect(summary).toMatchObject({ activated: 0 });
    const [liveAfter, goneAfter] = await Promise.all([liveDomain, goneDomain].map((d) => prisma().customDomain.findUniqueOrThrow({ where: { id: d.id } })));
    expect(liveAfter!.lastCheckedAt!.getTime()).toBeGreaterThan(liveDomain.lastCheckedAt!.getTime());
    expect(goneAfter!.lastCheckedAt!.getTime()).toBe(goneDomain.lastCheckedAt!.getTime());
  });

  it("the certificate ask: no for a pending domain, yes once active, no when its tenant is destroyed", async () => {
    const pattern = parseHostPattern(PATTERN);
    const { id, customerId } = await tenant();
    const added = await domains.add({ tenantId: id, hostname: "secure.customer.test", actor: { type: "customer", id: customerId } });
    expect(await decideCertificateAsk(prisma(), pattern, "secure.customer.test")).toEqual({ allowed: false, reason: "outside-pattern" });
    await prisma().customDomain.update({ where: { id: added.id }, data: { status: "active" } });
    expect(await decideCertificateAsk(prisma(), pattern, "SECURE.customer.test.")).toEqual({ allowed: true, tenantId: id });
    expect(await decideCertificateAsk(prisma(), pattern, "unknown.customer.test")).toEqual({ allowed: false, reason: "outside-pattern" });
    await prisma().tenant.update({ where: { id }, data: { desiredState: "destroyed", actualState: "destroying" } });
    expect(await decideCertificateAsk(prisma(), pattern, "secure.customer.test")).toEqual({ allowed: false, reason: "gone" });
  });
});
