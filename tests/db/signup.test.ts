// The trial signup transaction, against a real database (run against PostgreSQL and PGlite).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSY_RETRY_AFTER_SECONDS, registerTrialSignup, SignupFailedError } from "../../app/models/signup.server.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

async function rowCounts() {
  const p = t.db.prisma;
  const [customers, subscriptions, consents, tenants, jobs] = await Promise.all([
    p.customer.count(),
    p.subscription.count(),
    p.consent.count(),
    p.tenant.count(),
    p.provisioningJob.count(),
  ]);
  return { customers, subscriptions, consents, tenants, jobs };
}

describe(`trial signup (${process.env.TEST_DB_KIND})`, () => {
  it("writes customer, 30-day trial, consent, tenant and provisioning job together", async () => {
    const now = new Date("2026-11-21T10:00:00Z");
    const data = signupData({ company: "Société Générale", email: "anne@example.com" });
    const outcome = await registerTrialSignup(t.db.prisma, data, signupContext({ now, ip: "192.0.2.10", userAgent: "Firefox" }));
    expect(outcome).toMatchObject({ kind: "created", tenantSlug: "societe-generale" });
    if (outcome.kind !== "created") return;
    expect(outcome.statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const tenant = await t.db.prisma.tenant.findUniqueOrThrow({
      where: { statusToken: outcome.statusToken },
      include: { customer: { include: { consents: true } }, subscription: true, jobs: true },
    });
    expect(tenant.slug).toBe("societe-generale");
    expect(tenant.desiredState).toBe("active");
    expect(tenant.actualState).toBe("pending");
    expect(tenant.customer.email).toBe("anne@example.com");
    expect(tenant.subscription).toMatchObject({ plan: "trial", status: "trialing" });
    expect(tenant.subscription?.trialEndsAt?.toISOString()).toBe("2026-12-21T10:00:00.000Z");
    expect(tenant.customer.consents).toHaveLength(1);
    expect(tenant.customer.consents[0]).toMatchObject({ termsVersion: "2026-11-01", ip: "192.0.2.10", userAgent: "Firefox" });
    expect(tenant.customer.consents[0]?.acceptedAt.toISOString()).toBe(now.toISOString());
    expect(tenant.jobs).toHaveLength(1);
    expect(tenant.jobs[0]).toMatchObject({ kind: "provision", status: "queued" });
    const audit = await t.db.prisma.auditLog.findFirstOrThrow({ where: { tenantId: tenant.id } });
    expect(audit).toMatchObject({ action: "trial.created", actorType: "customer", outcome: "succeeded" });
  });

  it("honours a configured trial length", async () => {
    const now = new Date("2026-11-21T00:00:00Z");
    const outcome = await registerTrialSignup(t.db.prisma, signupData(), signupContext({ now, trialDays: 14 }));
    if (outcome.kind !== "created") throw new Error(`unexpected ${outcome.kind}`);
    const tenant = await t.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { subscription: true } });
    expect(tenant.subscription?.trialEndsAt?.toISOString()).toBe("2026-12-05T00:00:00.000Z");
  });

  it("refuses an email that already has an active subscription and writes nothing", async () => {
    const email = "busy@example.com";
    await registerTrialSignup(t.db.prisma, signupData({ email }), signupContext());
    const before = await rowCounts();
    const outcome = await registerTrialSignup(
      t.db.prisma,
      signupData({ email, firstName: "Changed", company: "Other Co" }),
      signupContext(),
    );
    // Neither the plan nor anything else about the subscription is told to whoever typed the address.
    expect(outcome).toEqual({ kind: "already-signed-up" });
    expect(await rowCounts()).toEqual(before);
    const customer = await t.db.prisma.customer.findUniqueOrThrow({ where: { email } });
    expect(customer.firstName).toBe("Camille");
  });

  it("counts signups refused for a known address against the address's limit, so probing emails is bounded", async () => {
    const known = signupData();
    await registerTrialSignup(t.db.prisma, known, signupContext());
    const ip = "198.51.100.77";
    const probe = () => registerTrialSignup(t.db.prisma, signupData({ email: known.email }), signupContext({ ip, rateLimitPerHour: 3 }));
    expect(await probe()).toEqual({ kind: "already-signed-up" });
    expect(await probe()).toEqual({ kind: "already-signed-up" });
    expect(await probe()).toEqual({ kind: "already-signed-up" });
    expect(await probe()).toMatchObject({ kind: "rate-limited" });
    // The entries name the address only, never the customer the email belongs to.
    const entries = await t.db.prisma.auditLog.findMany({ where: { action: "trial.refused_known_address", details: { path: ["ip"], equals: ip } } });
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.actorId === null && e.tenantId === null && JSON.stringify(e.details) === JSON.stringify({ ip }))).toBe(true);
    // A real signup from that address is refused too until the hour has passed.
    expect(await registerTrialSignup(t.db.prisma, signupData(), signupContext({ ip, rateLimitPerHour: 3 }))).toMatchObject({ kind: "rate-limited" });
  });

  it("updates an existing customer without an active subscription and gives a new trial", async () => {
    const email = "returning@example.com";
    const first = await registerTrialSignup(t.db.prisma, signupData({ email, company: "Returning" }), signupContext());
    if (first.kind !== "created") throw new Error("first signup failed");
    await t.db.prisma.subscription.updateMany({ where: { customer: { email } }, data: { status: "expired" } });

    const now = new Date("2027-03-01T09:00:00Z");
    const again = await registerTrialSignup(
      t.db.prisma,
      signupData({ email, firstName: "Renée", phone: "+33698765432", company: "Returning" }),
      signupContext({ now, locale: "fr" }),
    );
    expect(again.kind).toBe("created");
    const customer = await t.db.prisma.customer.findUniqueOrThrow({
      where: { email },
      include: { subscriptions: { orderBy: { createdAt: "asc" } }, tenants: true, consents: true },
    });
    expect(customer).toMatchObject({ firstName: "Renée", phone: "+33698765432", locale: "fr" });
    expect(customer.subscriptions.map((s) => s.status)).toEqual(["expired", "trialing"]);
    expect(customer.subscriptions[1]?.trialEndsAt?.toISOString()).toBe("2027-03-31T09:00:00.000Z");
    expect(customer.consents).toHaveLength(2);
    // The customer's instance is given back, not duplicated, and a provisioning job is queued for it.
    expect(customer.tenants).toHaveLength(1);
    expect(customer.tenants[0]?.subscriptionId).toBe(customer.subscriptions[1]?.id);
    expect(await t.db.prisma.provisioningJob.count({ where: { tenantId: customer.tenants[0]!.id } })).toBe(2);
  });

  it("gives 20 concurrent signups of the same company 20 distinct slugs and 20 jobs", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        registerTrialSignup(t.db.prisma, signupData({ company: "Concurrent Industries" }), signupContext()),
      ),
    );
    const slugs = outcomes.map((o) => (o.kind === "created" ? o.tenantSlug : `!${o.kind}`));
    expect(new Set(slugs).size).toBe(20);
    expect(slugs).toContain("concurrent-industries");
    for (const slug of slugs) expect(slug).toMatch(/^concurrent-industries(-([2-9]|1\d|20|21))?$/);
    const jobs = await t.db.prisma.provisioningJob.count({ where: { tenant: { slug: { in: slugs } } } });
    expect(jobs).toBe(20);
  });

  it("creates one trial for a double submit, sequential or simultaneous", async () => {
    const data = signupData({ company: "Double Click" });
    const context = signupContext();
    const first = await registerTrialSignup(t.db.prisma, data, context);
    const replay = await registerTrialSignup(t.db.prisma, data, { ...context, now: new Date() });
    expect(first.kind).toBe("created");
    expect(replay).toEqual({ kind: "replayed", statusToken: (first as { statusToken: string }).statusToken });

    const data2 = signupData({ company: "Two Clicks" });
    const context2 = signupContext();
    const both = await Promise.all([
      registerTrialSignup(t.db.prisma, data2, context2),
      registerTrialSignup(t.db.prisma, data2, context2),
    ]);
    const tokens = both.map((o) => ("statusToken" in o ? o.statusToken : o.kind));
    expect(tokens[0]).toBe(tokens[1]);
    expect(await t.db.prisma.subscription.count({ where: { customer: { email: data2.email } } })).toBe(1);
    expect(await t.db.prisma.tenant.count({ where: { customer: { email: data2.email } } })).toBe(1);
  });

  it("keeps nothing when the database fails in the middle of the transaction", async () => {
    // A real failure from the real database: a trigger refuses the provisioning job, the last write.
    await t.sql(`CREATE FUNCTION fail_job_insert() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'simulated disk failure'; END; $$ LANGUAGE plpgsql`);
    await t.sql(`CREATE TRIGGER fail_job_insert BEFORE INSERT ON "ProvisioningJob"
      FOR EACH ROW EXECUTE FUNCTION fail_job_insert()`);
    try {
      const before = await rowCounts();
      const data = signupData({ company: "Failing Ltd", email: "failing@example.com" });
      const error = await registerTrialSignup(t.db.prisma, data, signupContext()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignupFailedError);
      expect(String((error as Error).cause)).toMatch(/simulated disk failure/);
      expect(await rowCounts()).toEqual(before);
      expect(await t.db.prisma.customer.findUnique({ where: { email: "failing@example.com" } })).toBeNull();
      expect(await t.db.prisma.tenant.findUnique({ where: { slug: "failing-ltd" } })).toBeNull();
    } finally {
      await t.sql(`DROP TRIGGER fail_job_insert ON "ProvisioningJob"`);
      await t.sql(`DROP FUNCTION fail_job_insert()`);
    }
  });

  it("rate-limits signups per IP address", async () => {
    const now = new Date();
    const ip = "198.51.100.7";
    for (let i = 0; i < 3; i++) {
      const ok = await registerTrialSignup(t.db.prisma, signupData(), signupContext({ ip, now, rateLimitPerHour: 3 }));
      expect(ok.kind).toBe("created");
    }
    const before = await rowCounts();
    const limited = await registerTrialSignup(t.db.prisma, signupData(), signupContext({ ip, now, rateLimitPerHour: 3 }));
    expect(limited.kind).toBe("rate-limited");
    if (limited.kind === "rate-limited") expect(limited.retryAfterSeconds).toBeGreaterThan(3500);
    expect(await rowCounts()).toEqual(before);
    // Another address is not affected, and the same one may sign up again an hour later.
    expect((await registerTrialSignup(t.db.prisma, signupData(), signupContext({ rateLimitPerHour: 3 }))).kind).toBe("created");
    const later = new Date(now.getTime() + 61 * 60 * 1000);
    expect((await registerTrialSignup(t.db.prisma, signupData(), signupContext({ ip, now: later, rateLimitPerHour: 3 }))).kind).toBe("created");
  });

  it("accepts exactly the limit from 30 parallel signups of one address, and stores nothing for the others", async () => {
    const ip = "203.0.113.30";
    const now = new Date();
    const before = await rowCounts();
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        registerTrialSignup(t.db.prisma, signupData(), signupContext({ ip, now, rateLimitPerHour: 5 })),
      ),
    );
    const kinds = outcomes.map((o) => o.kind);
    expect(kinds.filter((k) => k === "created")).toHaveLength(5);
    expect(kinds.filter((k) => k === "rate-limited")).toHaveLength(25);
    expect(await t.db.prisma.consent.count({ where: { ip } })).toBe(5);
    const after = await rowCounts();
    expect(after.tenants - before.tenants).toBe(5);
    expect(after.jobs - before.jobs).toBe(5);
    expect(after.customers - before.customers).toBe(5);
  });

  it("caps the tenants waiting for provisioning, under parallel signups from many addresses", async () => {
    const waiting = () => t.db.prisma.provisioningJob.count({ where: { kind: "provision", status: { in: ["queued", "running"] } } });
    const cap = (await waiting()) + 3;
    const before = await rowCounts();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => registerTrialSignup(t.db.prisma, signupData(), signupContext({ maxPendingTenants: cap }))),
    );
    const kinds = outcomes.map((o) => o.kind);
    expect(kinds.filter((k) => k === "created")).toHaveLength(3);
    expect(outcomes.filter((o) => o.kind === "busy")).toEqual(Array(9).fill({ kind: "busy", retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS }));
    expect(await waiting()).toBe(cap);
    const after = await rowCounts();
    expect(after).toEqual({
      customers: before.customers + 3,
      subscriptions: before.subscriptions + 3,
      consents: before.consents + 3,
      tenants: before.tenants + 3,
      jobs: before.jobs + 3,
    });

    // A finished provisioning frees a place.
    const oneJob = await t.db.prisma.provisioningJob.findFirstOrThrow({ where: { kind: "provision", status: "queued" } });
    await t.db.prisma.provisioningJob.update({ where: { id: oneJob.id }, data: { status: "succeeded" } });
    expect((await registerTrialSignup(t.db.prisma, signupData(), signupContext({ maxPendingTenants: cap }))).kind).toBe("created");
    expect((await registerTrialSignup(t.db.prisma, signupData(), signupContext({ maxPendingTenants: cap }))).kind).toBe("busy");
  });

  it("suffixes taken slugs, refuses reserved ones and falls back for symbol-only names", async () => {
    const created = async (company: string) => {
      const o = await registerTrialSignup(t.db.prisma, signupData({ company }), signupContext());
      if (o.kind !== "created") throw new Error(o.kind);
      return o.tenantSlug;
    };
    expect(await created("Zèbre & Fils")).toBe("zebre-fils");
    expect(await created("ZÈBRE  FILS")).toBe("zebre-fils-2");
    expect(await created("Admin")).toBe("admin-2");
    expect(await created("株式会社")).toBe("tenant");
    expect(await created("日本")).toBe("tenant-2");
    const long = "The Extraordinarily Long Company Name Of Nowhere Incorporated";
    const a = await created(long);
    const b = await created(long);
    expect(a).toBe("the-extraordinarily-long-company-name-of");
    expect(b).toBe("the-extraordinarily-long-company-name-2");
    expect(b.length).toBeLessThanOrEqual(40);
  });
});
