// Admin actions against a real database (PostgreSQL and PGlite): each action is one transaction,
// so one that fails midway (its job or its audit entry cannot be written) leaves the tenant's
// desired state, its subscription, its jobs and the audit log as they were; a refused action
// writes nothing but its refusal entry; a queued action writes state, job and entry together.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ActionRefused, performAdminAction, recordRefusal } from "../../app/models/admin-actions.server.ts";
import type { AdminSessionInfo } from "../../app/models/admin-auth.server.ts";
import { loadPlans } from "../../orchestrator/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

const session: AdminSessionInfo = {
  sessionId: "session",
  csrfToken: "csrf",
  admin: { id: "admin-id", email: "operator@vendor.test", role: "operator" },
};
// The vendor's default catalogue (starter, pro, enterprise): the plan change picks from it.
const plans = loadPlans("compose-templates/plans.json");
const services = () => ({ prisma: t.db.prisma, now: () => new Date(), config: { plans } });

let counter = 0;
async function activeTenant() {
  const n = ++counter;
  const customer = await t.db.prisma.customer.create({
    data: { email: `actions${n}@example.com`, firstName: "A", lastName: "Ction", company: "Actions", phone: "+33612345678" },
  });
  const subscription = await t.db.prisma.subscription.create({
    data: { customerId: customer.id, plan: "trial", status: "trialing", trialEndsAt: new Date(Date.now() + 86_400_000) },
  });
  return t.db.prisma.tenant.create({
    data: {
      slug: `actions-${n}`,
      customerId: customer.id,
      subscriptionId: subscription.id,
      statusToken: `actions-token-${n}`,
      desiredState: "active",
      actualState: "active",
    },
    include: { subscription: true },
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

/** Makes every insert into `table` fail, as a full disk or a lost connection would midway. */
async function failInsertsInto(table: "ProvisioningJob" | "AuditLog") {
  await t.sql(`CREATE OR REPLACE FUNCTION test_refuse_insert() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'insert refused by the test'; END $$ LANGUAGE plpgsql`);
  await t.sql(`CREATE TRIGGER test_refuse_insert BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()`);
  installed.push(table);
}
const installed: string[] = [];
afterEach(async () => {
  for (const table of installed.splice(0)) await t.sql(`DROP TRIGGER IF EXISTS test_refuse_insert ON "${table}"`);
});

describe(`admin actions (${process.env.TEST_DB_KIND})`, () => {
  it("queues a lifecycle action with its desired state, its job and its audit entry together", async () => {
    const tenant = await activeTenant();
    const message = await performAdminAction(services(), session, tenant.id, { intent: "suspend" });
    const { tenant: after, jobs, audit } = await rowsOf(tenant.id);
    expect(after.desiredState).toBe("suspended");
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: "suspend", status: "queued", requestedBy: session.admin.email });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: "admin", actorId: session.admin.email, action: "admin.suspend", outcome: "queued" });
    expect(audit[0]!.details).toEqual({ jobId: jobs[0]!.id });
    expect(message).toEqual({ key: "result.queued", values: { action: "action.suspend", job: jobs[0]!.id.slice(0, 8) } });
  });

  it.each([
    ["job", "ProvisioningJob"],
    ["audit entry", "AuditLog"],
  ] as const)("an action whose %s cannot be written changes nothing", async (_what, table) => {
    const tenant = await activeTenant();
    await failInsertsInto(table);
    await expect(
      performAdminAction(services(), session, tenant.id, { intent: "destroy", confirmSlug: tenant.slug }),
    ).rejects.toThrow(/insert refused by the test/);
    const { tenant: after, jobs, audit } = await rowsOf(tenant.id);
    expect(after.desiredState).toBe("active");
    expect(jobs).toEqual([]);
    expect(audit).toEqual([]);
  });

  it("a billing action whose audit entry cannot be written leaves the subscription as it was", async () => {
    const tenant = await activeTenant();
    await failInsertsInto("AuditLog");
    await expect(performAdminAction(services(), session, tenant.id, { intent: "plan", plan: "pro" })).rejects.toThrow(
      /insert refused by the test/,
    );
    await expect(performAdminAction(services(), session, tenant.id, { intent: "extend", days: 30 })).rejects.toThrow(
      /insert refused by the test/,
    );
    const { tenant: after, audit } = await rowsOf(tenant.id);
    expect(after.subscription).toEqual(tenant.subscription);
    expect(audit).toEqual([]);
  });

  it("extending an expired trial makes it a trial again and resumes the tenant its expiry suspended, all or nothing", async () => {
    const expired = async () => {
      const tenant = await activeTenant();
      await t.db.prisma.subscription.update({
        where: { id: tenant.subscriptionId! },
        data: { status: "expired", expiredAt: new Date(), trialEndsAt: new Date(Date.now() - 60_000) },
      });
      await t.db.prisma.tenant.update({ where: { id: tenant.id }, data: { desiredState: "suspended", actualState: "suspended" } });
      return (await rowsOf(tenant.id)).tenant;
    };
    const before = await expired();
    await failInsertsInto("ProvisioningJob");
    await expect(performAdminAction(services(), session, before.id, { intent: "extend", days: 14 })).rejects.toThrow(/insert refused by the test/);
    const untouched = await rowsOf(before.id);
    expect(untouched.tenant).toEqual(before);
    expect(untouched.audit).toEqual([]);
    for (const table of installed.splice(0)) await t.sql(`DROP TRIGGER IF EXISTS test_refuse_insert ON "${table}"`);

    const tenant = await expired();
    const now = new Date(Date.now() + 3_600_000);
    await performAdminAction({ prisma: t.db.prisma, now: () => now }, session, tenant.id, { intent: "extend", days: 14 });
    const { tenant: after, jobs, audit } = await rowsOf(tenant.id);
    expect(after.subscription).toMatchObject({ status: "trialing", expiredAt: null, trialEndsAt: new Date(now.getTime() + 14 * 86_400_000) });
    expect(after.desiredState).toBe("active");
    expect(jobs.map((j) => [j.kind, j.requestedBy, j.status])).toEqual([["resume", session.admin.email, "queued"]]);
    expect(audit.map((a) => [a.action, a.outcome, a.details])).toEqual([
      ["admin.extend", "succeeded", { days: 14, trialEndsAt: after.subscription!.trialEndsAt!.toISOString() }],
      ["admin.resume", "queued", { cause: "extend", jobId: jobs[0]!.id }],
    ]);
  });

  it("extending a running trial queues nothing", async () => {
    const tenant = await activeTenant();
    await performAdminAction(services(), session, tenant.id, { intent: "extend", days: 7 });
    const { tenant: after, jobs } = await rowsOf(tenant.id);
    expect(after.subscription!.trialEndsAt!.getTime()).toBe(tenant.subscription!.trialEndsAt!.getTime() + 7 * 86_400_000);
    expect(after.desiredState).toBe("active");
    expect(jobs).toEqual([]);
  });

  it("a refused action writes only its refusal entry", async () => {
    const tenant = await activeTenant();
    const refusal = await performAdminAction(services(), session, tenant.id, { intent: "destroy", confirmSlug: "not-the-slug" }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ActionRefused);
    const reason = (refusal as ActionRefused).reason;
    expect(reason).toEqual({ key: "refused.slug", values: { slug: tenant.slug } });
    await recordRefusal(t.db.prisma, session.admin.email, tenant.id, "destroy", reason);
    const { tenant: after, jobs, audit } = await rowsOf(tenant.id);
    expect(after.desiredState).toBe("active");
    expect(jobs).toEqual([]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "admin.destroy", outcome: "refused", details: { reason: "refused.slug", slug: tenant.slug } });
  });
});
