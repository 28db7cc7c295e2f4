// The plan rules against a real database (PostgreSQL and PGlite): the console's plan change picks
// a plan of the catalogue, writes the subscription's plan, the change_plan job and the entry naming
// who changed it from what to what together; refuses unknown, legacy and unchanged plans writing
// nothing but the refusal; and a plan's maxTenants caps signups on it, a destroyed tenant's place
// being free again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionRefused, performAdminAction } from "../../app/models/admin-actions.server.ts";
import type { AdminSessionInfo } from "../../app/models/admin-auth.server.ts";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { loadPlans, parsePlans, queuePlanChange } from "../../orchestrator/index.ts";
import { customDomainLimit } from "../../orchestrator/plans/custom-domain-limit.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

const plans = loadPlans("compose-templates/plans.json");
const session: AdminSessionInfo = { sessionId: "s", csrfToken: "c", admin: { id: "h-admin", email: "h-operator@vendor.test", role: "operator" } };
const services = () => ({ prisma: t.db.prisma, now: () => new Date(), config: { plans } });

let counter = 0;
async function tenantOn(plan: string, status: "trialing" | "active" = "trialing") {
  const n = ++counter;
  const customer = await t.db.prisma.customer.create({
    data: { email: `h-plan${n}@example.com`, firstName: "H", lastName: "Plan", company: "H Plan", phone: "+33612345678" },
  });
  const subscription = await t.db.prisma.subscription.create({ data: { customerId: customer.id, plan, status, trialEndsAt: new Date(Date.now() + 86_400_000) } });
  return t.db.prisma.tenant.create({
    data: { slug: `h-plan-${n}`, customerId: customer.id, subscriptionId: subscription.id, statusToken: `h-plan-token-${n}`, desiredState: "active", actualState: "active" },
  });
}

async function rowsOf(tenantId: string) {
  const [tenant, jobs, audit] = await Promise.all([
    t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { subscription: true } }),
    t.db.prisma.provisioningJob.findMany({ where: { tenantId } }),
    t.db.prisma.auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
  ]);
  return { tenant, jobs, audit };
}

describe(`plan change and plan limits (${process.env.TEST_DB_KIND})`, () => {
  it("changes a trial's plan with its change_plan job and the entry saying who, from and to, and converts the trial", async () => {
    const tenant = await tenantOn("trial");
    const message = await performAdminAction(services(), session, tenant.id, { intent: "plan", plan: "pro" });
    const { tenant: after, jobs, audit } = await rowsOf(tenant.id);
    expect(after.subscription).toMatchObject({ plan: "pro", status: "active" });
    expect(jobs.map((j) => [j.kind, j.status, j.requestedBy])).toEqual([["change_plan", "queued", session.admin.email]]);
    expect(audit.map((a) => [a.action, a.actorType, a.actorId, a.outcome, a.details])).toEqual([
      ["admin.plan", "admin", session.admin.email, "queued", { from: "trial", to: "pro", jobId: jobs[0]!.id }],
      ["subscription.converted", "admin", session.admin.email, "succeeded", { plan: "pro" }],
    ]);
    expect(message).toEqual({ key: "result.plan", values: { plan: "pro", job: jobs[0]!.id.slice(0, 8) } });
  });

  it("a paying tenant's change is not a conversion", async () => {
    const tenant = await tenantOn("pro", "active");
    await performAdminAction(services(), session, tenant.id, { intent: "plan", plan: "enterprise" });
    const { tenant: after, audit } = await rowsOf(tenant.id);
    expect(after.subscription).toMatchObject({ plan: "enterprise", status: "active" });
    expect(audit.map((a) => [a.action, (a.details as { from?: string }).from])).toEqual([["admin.plan", "pro"]]);
  });

  it.each([
    ["a plan not in the catalogue", "platinum", "refused.planUnknown"],
    ["the legacy trial value", "trial", "refused.planUnknown"],
    ["the plan it is already on", "pro", "refused.planSame"],
  ])("refuses %s and writes nothing", async (_what, plan, key) => {
    const tenant = await tenantOn("pro", "active");
    const before = await rowsOf(tenant.id);
    const refusal = await performAdminAction(services(), session, tenant.id, { intent: "plan", plan }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ActionRefused);
    expect((refusal as ActionRefused).reason).toEqual({ key, values: { plan } });
    expect(await rowsOf(tenant.id)).toEqual(before);
  });

  it("without a catalogue no plan can be given", async () => {
    const tenant = await tenantOn("trial");
    await expect(performAdminAction({ prisma: t.db.prisma, now: () => new Date() }, session, tenant.id, { intent: "plan", plan: "pro" })).rejects.toMatchObject({
      reason: { key: "refused.planUnknown" },
    });
    expect((await rowsOf(tenant.id)).jobs).toEqual([]);
  });

  it("caps signups at the default plan's maxTenants (legacy trial rows count), and a destroyed tenant frees its place", async () => {
    // A catalogue of its own, named after this test, so other tests' tenants on "trial" do not count.
    const catalogue = parsePlans(
      JSON.stringify({ defaultPlan: "h-tiny", plans: [{ id: "h-tiny", names: { en: "Tiny", fr: "Mini" }, trialDays: 7, limits: { memoryMb: 128, cpus: 0.5 }, maxTenants: 2 }] }),
      "h-plans.json",
    );
    await t.db.prisma.tenant.updateMany({ where: { subscription: { plan: "trial" } }, data: { desiredState: "destroyed" } });
    const plan = { id: catalogue.defaultPlan.id, maxTenants: catalogue.defaultPlan.maxTenants };
    const signup = () => registerTrialSignup(t.db.prisma, signupData({ company: "H Cap" }), signupContext({ plan, trialDays: catalogue.defaultPlan.trialDays }));
    const first = await signup();
    await tenantOn("h-tiny");
    expect(first.kind).toBe("created");
    const refused = await signup();
    expect(refused).toEqual({ kind: "plan-full" });
    const before = await t.db.prisma.subscription.count();
    expect(await signup()).toEqual({ kind: "plan-full" });
    expect(await t.db.prisma.subscription.count()).toBe(before);
    // The first signup's tenant (on the legacy "trial" value) is destroyed: its place is free.
    if (first.kind !== "created") throw new Error("unreachable");
    await t.db.prisma.tenant.update({ where: { slug: first.tenantSlug }, data: { desiredState: "destroyed" } });
    const again = await signup();
    expect(again.kind).toBe("created");
    if (again.kind !== "created") throw new Error("unreachable");
    const created = await t.db.prisma.tenant.findUniqueOrThrow({ where: { slug: again.tenantSlug }, include: { subscription: true } });
    expect(created.subscription!.trialEndsAt!.getTime() - created.subscription!.createdAt.getTime()).toBeGreaterThan(6.9 * 86_400_000);
  });

  it("a plan's customDomains replaces CUSTOM_DOMAINS_PER_TENANT for its tenants; without one, or without a catalogue, the setting holds", async () => {
    const starter = await tenantOn("trial");
    const enterprise = await tenantOn("enterprise", "active");
    const withoutLimit = parsePlans(JSON.stringify({ defaultPlan: "free", plans: [{ id: "free", names: { en: "Free", fr: "Libre" }, trialDays: 30, limits: { memoryMb: 256, cpus: 1 } }] }), "h.json");
    expect(await customDomainLimit(t.db.prisma, plans, starter.id, 2)).toBe(1);
    expect(await customDomainLimit(t.db.prisma, plans, enterprise.id, 2)).toBe(10);
    expect(await customDomainLimit(t.db.prisma, withoutLimit, starter.id, 2)).toBe(2);
    expect(await customDomainLimit(t.db.prisma, undefined, enterprise.id, 2)).toBe(2);
  });

  it("a plan changed by billing queues change_plan with its entry (who, from, to); the same plan under another value queues nothing", async () => {
    const tenant = await tenantOn("trial");
    expect(await queuePlanChange(t.db.prisma, plans, { tenantId: tenant.id, from: "trial", to: "starter", requestedBy: "stripe" })).toBeNull();
    const jobId = await queuePlanChange(t.db.prisma, plans, { tenantId: tenant.id, from: "starter", to: "pro", requestedBy: "stripe" });
    const { jobs, audit } = await rowsOf(tenant.id);
    expect(jobs.map((j) => [j.id, j.kind, j.requestedBy])).toEqual([[jobId, "change_plan", "stripe"]]);
    expect(audit.map((a) => [a.action, a.actorType, a.actorId, a.outcome, a.details])).toEqual([
      ["subscription.plan_changed", "system", "stripe", "queued", { from: "starter", to: "pro", jobId }],
    ]);
  });
});
