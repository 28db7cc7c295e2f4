// The trial-lifecycle task's decisions as of given times, on a real database (PostgreSQL and PGlite),
// without an engine: the task only writes rows (emails, audit entries, jobs, states); the jobs it
// queues are run by the worker (tests/docker/trial-lifecycle.test.ts). Each step happens once,
// even when the task runs twice in a row or twice at once; after downtime only the nearest reminder
// is sent; an extension from the console moves every later step.
import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performAdminAction } from "../../app/models/admin-actions.server.ts";
import type { AdminSessionInfo } from "../../app/models/admin-auth.server.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import type { ScheduledTask } from "../../orchestrator/scheduler/task.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { reminderDue } from "../../orchestrator/trials/reminders.ts";
import { trialLifecycleTask } from "../../orchestrator/trials/trial-lifecycle-task.ts";
import { TEMPLATES_ROOT } from "../support/template-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
const session: AdminSessionInfo = {
  sessionId: "session",
  csrfToken: "csrf",
  admin: { id: "admin-id", email: "operator@vendor.test", role: "operator" },
};

let t: TestDatabase;
let task: ScheduledTask;
beforeAll(async () => {
  t = await createTestDatabase();
  const template = (await loadTemplates(TEMPLATES_ROOT)).get("demo")!;
  const deps: SchedulerDeps = {
    prisma: t.db.prisma,
    // Never called by this task (it only writes rows); no connection is made to build it.
    driver: createDockerDriver({ docker: new Dockerode({ socketPath: "/var/run/docker.sock" }) }),
    clock: systemClock,
    logger: silentLogger,
    secretBox: new SecretBox(randomBytes(32)),
    template,
    templateValues: {},
    portRange: { first: 43000, last: 43099 },
    bindAddress: "127.0.0.1",
    tenantUrl: "http://127.0.0.1:{port}",
    finalDumps: { dir: "/nonexistent", retentionDays: 90 },
    time: { ...defaultTimeSettings(), trialReminderDays: [7, 1], suspendedDaysBeforeTermination: 30 },
    notify: { mode: "mock", emails: [], vendorName: "Tenantry", locale: "en" },
  };
  task = trialLifecycleTask(deps);
});
afterAll(async () => {
  await t?.dispose();
});

const prisma = () => t.db.prisma;

function run(asOf: Date) {
  return task.run({ asOf, periodStart: asOf, runId: "test", signal: new AbortController().signal, logger: silentLogger });
}
/** Two runs at once, as two scheduler processes (or a run-due beside a portal) would. */
const runTwiceAtOnce = (asOf: Date) => Promise.all([run(asOf), run(asOf)]);
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

let counter = 0;
/** A customer on a trial ending at `endsAt`, with an active tenant (as after provisioning). */
async function trialTenant(endsAt: Date, overrides: { actualState?: "active" | "suspended" | "failed"; stripe?: boolean } = {}) {
  const n = `${++counter}-${randomBytes(3).toString("hex")}`;
  const customer = await prisma().customer.create({
    data: { email: `trial.${n}@example.com`, firstName: `Firstname${n}`, lastName: "Lastname", company: `Trialco ${n}`, phone: "+33612345678", locale: "fr" },
  });
  const subscription = await prisma().subscription.create({
    data: {
      customerId: customer.id,
      plan: "trial",
      status: "trialing",
      trialEndsAt: endsAt,
      ...(overrides.stripe ? { stripeSubscriptionId: `sub_${n}`, stripeCustomerId: `cus_${n}` } : {}),
    },
  });
  const tenant = await prisma().tenant.create({
    data: {
      slug: `trialco-${n}`,
      customerId: customer.id,
      subscriptionId: subscription.id,
      statusToken: `trial-token-${n}`,
      desiredState: overrides.actualState === "suspended" ? "suspended" : "active",
      actualState: overrides.actualState ?? "active",
    },
  });
  await prisma().portLease.create({ data: { tenantId: tenant.id, port: 43000 + counter, purpose: "APP_PORT" } });
  return { customer, subscription, tenant };
}

async function rowsOf(tenantId: string) {
  const [tenant, emails, audit, jobs] = await Promise.all([
    prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { subscription: true } }),
    prisma().emailOutbox.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } }),
    prisma().auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    prisma().provisioningJob.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } }),
  ]);
  return { tenant, emails, audit, jobs };
}

// The tests share one database and move forward in time (each trial ends after the previous test's
// dates), so a later run may act on an earlier test's trial: each test asserts its own tenant's rows only.
describe(`the trial-lifecycle task (${process.env.TEST_DB_KIND})`, () => {
  it("picks the nearest reminder still due, and none at or after the end", () => {
    const end = new Date("2027-03-31T12:00:00Z");
    expect(reminderDue([7, 1], end, at(end, -8 * DAY))).toBeNull();
    expect(reminderDue([7, 1], end, at(end, -7 * DAY))).toBe(7);
    expect(reminderDue([7, 1], end, at(end, -2 * DAY))).toBe(7);
    expect(reminderDue([7, 1], end, at(end, -DAY))).toBe(1);
    expect(reminderDue([7, 1], end, at(end, -MINUTE))).toBe(1);
    expect(reminderDue([7, 1], end, end)).toBeNull();
  });

  it("reminds 7 days and 1 day before the end, each exactly once, however the runs overlap", async () => {
    const end = new Date("2027-04-30T10:00:00Z");
    const { tenant, subscription, customer } = await trialTenant(end);

    await runTwiceAtOnce(at(end, -8 * DAY));
    expect((await rowsOf(tenant.id)).emails).toEqual([]);

    await runTwiceAtOnce(at(end, -7 * DAY));
    await run(at(end, -7 * DAY + 15 * MINUTE));
    await run(at(end, -3 * DAY));
    let rows = await rowsOf(tenant.id);
    expect(rows.emails.map((e) => e.idempotencyKey)).toEqual([`trial-ending:${subscription.id}:7:${end.toISOString()}`]);
    expect(rows.emails[0]).toMatchObject({ purpose: "trial-ending", toAddress: customer.email, locale: "fr" });
    expect(rows.emails[0]!.subject).toContain("dans 7 jours");

    await runTwiceAtOnce(at(end, -DAY));
    await run(at(end, -DAY + 15 * MINUTE));
    rows = await rowsOf(tenant.id);
    expect(rows.emails.map((e) => e.idempotencyKey)).toEqual([
      `trial-ending:${subscription.id}:7:${end.toISOString()}`,
      `trial-ending:${subscription.id}:1:${end.toISOString()}`,
    ]);
    expect(rows.emails[1]!.subject).toContain("demain");
    expect(rows.audit.map((a) => [a.action, a.actorType, a.actorId, a.outcome, a.details])).toEqual([
      ["trial.reminded", "system", "scheduler", "succeeded", { subscriptionId: subscription.id, days: 7, trialEndsAt: end.toISOString() }],
      ["trial.reminded", "system", "scheduler", "succeeded", { subscriptionId: subscription.id, days: 1, trialEndsAt: end.toISOString() }],
    ]);
    expect(rows.jobs).toEqual([]);
    expect(rows.tenant.subscription!.status).toBe("trialing");
  });

  it("after downtime sends only the nearest reminder still due", async () => {
    const end = new Date("2027-05-15T08:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    await runTwiceAtOnce(at(end, -12 * 60 * MINUTE));
    await run(at(end, -6 * 60 * MINUTE));
    const { emails, audit } = await rowsOf(tenant.id);
    expect(emails.map((e) => e.idempotencyKey)).toEqual([`trial-ending:${subscription.id}:1:${end.toISOString()}`]);
    expect(audit.map((a) => [a.action, (a.details as { days: number }).days])).toEqual([["trial.reminded", 1]]);
  });

  it("a reminder sent late after downtime says the days really left", async () => {
    const end = new Date("2027-05-20T08:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    await run(at(end, -3 * DAY + 2 * 60 * MINUTE));
    const { emails } = await rowsOf(tenant.id);
    expect(emails.map((e) => e.idempotencyKey)).toEqual([`trial-ending:${subscription.id}:7:${end.toISOString()}`]);
    expect(emails[0]!.subject).toContain("dans 3 jours");
  });

  it("expires an unpaid trial once: suspended, a suspend job, an audit entry and the trial-ended email", async () => {
    const end = new Date("2027-06-01T09:30:00Z");
    const { tenant, subscription, customer } = await trialTenant(end);
    const paid = await trialTenant(end, { stripe: true });
    const asOf = at(end, 5 * MINUTE);

    const summaries = await runTwiceAtOnce(asOf);
    // Counts only (other tests' trials may be in them too): never a name or an address.
    for (const summary of summaries) expect(Object.values(summary).every((value) => typeof value === "number")).toBe(true);
    await run(at(asOf, 15 * MINUTE));
    await run(at(asOf, DAY));

    const rows = await rowsOf(tenant.id);
    expect(rows.tenant.subscription).toMatchObject({ status: "expired", expiredAt: asOf });
    expect(rows.tenant.desiredState).toBe("suspended");
    expect(rows.jobs.map((j) => [j.kind, j.requestedBy, j.status])).toEqual([["suspend", "scheduler", "queued"]]);
    expect(rows.audit.map((a) => [a.action, a.actorType, a.actorId, a.outcome])).toEqual([["trial.expired", "system", "scheduler", "queued"]]);
    expect(rows.audit[0]!.details).toEqual({ subscriptionId: subscription.id, trialEndsAt: end.toISOString(), jobId: rows.jobs[0]!.id });
    expect(rows.emails.map((e) => [e.idempotencyKey, e.purpose, e.toAddress])).toEqual([
      [`trial-ended:${subscription.id}:${end.toISOString()}`, "trial-ended", customer.email],
    ]);
    // No audit entry names the customer.
    const text = JSON.stringify(rows.audit.map((a) => [a.actorId, a.details]));
    for (const personal of [customer.email, customer.firstName, customer.company]) expect(text).not.toContain(personal);

    // A paid subscription is not the trial's to end.
    const paidRows = await rowsOf(paid.tenant.id);
    expect(paidRows.tenant.subscription!.status).toBe("trialing");
    expect(paidRows.jobs).toEqual([]);
    expect(paidRows.emails.filter((e) => e.purpose === "trial-ended")).toEqual([]);
  });

  it("expires a trial whose tenant is already stopped without a job", async () => {
    const end = new Date("2027-06-10T00:00:00Z");
    const { tenant } = await trialTenant(end, { actualState: "suspended" });
    await runTwiceAtOnce(at(end, MINUTE));
    const rows = await rowsOf(tenant.id);
    expect(rows.tenant.subscription!.status).toBe("expired");
    expect(rows.jobs).toEqual([]);
    expect(rows.audit.map((a) => [a.action, a.outcome])).toEqual([["trial.expired", "succeeded"]]);
    expect(rows.emails.map((e) => e.purpose)).toEqual(["trial-ended"]);
  });

  it("queues the termination once, the configured number of days after the expiry", async () => {
    const end = new Date("2027-07-01T12:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    const expiredAt = at(end, MINUTE);
    await run(expiredAt);

    await runTwiceAtOnce(at(expiredAt, 30 * DAY - MINUTE));
    expect((await rowsOf(tenant.id)).jobs.map((j) => j.kind)).toEqual(["suspend"]);

    await runTwiceAtOnce(at(expiredAt, 30 * DAY));
    await run(at(expiredAt, 30 * DAY + 15 * MINUTE));
    await run(at(expiredAt, 60 * DAY));

    const rows = await rowsOf(tenant.id);
    expect(rows.tenant.desiredState).toBe("destroyed");
    expect(rows.jobs.map((j) => [j.kind, j.requestedBy])).toEqual([
      ["suspend", "scheduler"],
      ["terminate", "scheduler"],
    ]);
    const terminations = rows.audit.filter((a) => a.action === "tenant.terminated");
    expect(terminations.map((a) => [a.actorType, a.actorId, a.outcome, a.details])).toEqual([
      ["system", "scheduler", "queued", { subscriptionId: subscription.id, expiredAt: expiredAt.toISOString(), jobId: rows.jobs[1]!.id }],
    ]);
    expect(rows.audit.filter((a) => a.action === "trial.expired")).toHaveLength(1);
    expect(rows.emails.map((e) => e.purpose)).toEqual(["trial-ended"]);
  });

  it("never terminates an expired trial an operator resumed by hand", async () => {
    const end = new Date("2027-07-15T12:00:00Z");
    const { tenant } = await trialTenant(end);
    await run(at(end, MINUTE));
    // The operator resumes it from the console (desired active), without extending the trial.
    await prisma().tenant.update({ where: { id: tenant.id }, data: { desiredState: "active", actualState: "active" } });
    await runTwiceAtOnce(at(end, 45 * DAY));
    const rows = await rowsOf(tenant.id);
    expect(rows.tenant.desiredState).toBe("active");
    expect(rows.jobs.map((j) => j.kind)).toEqual(["suspend"]);
    expect(rows.audit.filter((a) => a.action === "tenant.terminated")).toHaveLength(0);
  });

  it("an extension of an expired trial resumes it and moves its reminders, expiry and termination", async () => {
    const end = new Date("2027-08-01T12:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    const expiredAt = at(end, MINUTE);
    await run(expiredAt);

    const extendedAt = at(expiredAt, 10 * DAY);
    await performAdminAction({ prisma: prisma(), now: () => extendedAt }, session, tenant.id, { intent: "extend", days: 45 });
    const newEnd = at(extendedAt, 45 * DAY);
    let rows = await rowsOf(tenant.id);
    expect(rows.tenant.subscription).toMatchObject({ status: "trialing", expiredAt: null, trialEndsAt: newEnd });
    expect(rows.tenant.desiredState).toBe("active");
    expect(rows.jobs.map((j) => [j.kind, j.requestedBy])).toEqual([
      ["suspend", "scheduler"],
      ["resume", session.admin.email],
    ]);
    expect(rows.audit.filter((a) => a.actorType === "admin").map((a) => [a.action, a.outcome])).toEqual([
      ["admin.extend", "succeeded"],
      ["admin.resume", "queued"],
    ]);

    // Where the old dates would have acted, nothing happens.
    await runTwiceAtOnce(at(expiredAt, 30 * DAY));
    rows = await rowsOf(tenant.id);
    expect(rows.tenant.desiredState).toBe("active");
    expect(rows.jobs).toHaveLength(2);

    // The new end is reminded, expires and is terminated in its turn, each once.
    await runTwiceAtOnce(at(newEnd, -7 * DAY));
    await runTwiceAtOnce(at(newEnd, -DAY));
    const secondExpiry = at(newEnd, MINUTE);
    await runTwiceAtOnce(secondExpiry);
    await runTwiceAtOnce(at(secondExpiry, 30 * DAY - MINUTE));
    rows = await rowsOf(tenant.id);
    expect(rows.emails.map((e) => e.idempotencyKey)).toEqual([
      `trial-ended:${subscription.id}:${end.toISOString()}`,
      `trial-ending:${subscription.id}:7:${newEnd.toISOString()}`,
      `trial-ending:${subscription.id}:1:${newEnd.toISOString()}`,
      `trial-ended:${subscription.id}:${newEnd.toISOString()}`,
    ]);
    expect(rows.tenant.subscription).toMatchObject({ status: "expired", expiredAt: secondExpiry });
    expect(rows.jobs.map((j) => j.kind)).toEqual(["suspend", "resume", "suspend"]);

    await runTwiceAtOnce(at(secondExpiry, 30 * DAY));
    rows = await rowsOf(tenant.id);
    expect(rows.jobs.map((j) => j.kind)).toEqual(["suspend", "resume", "suspend", "terminate"]);
    expect(rows.audit.filter((a) => a.action === "trial.expired")).toHaveLength(2);
    expect(rows.audit.filter((a) => a.action === "trial.reminded")).toHaveLength(2);
  });

  it("an extension before the end moves the reminders: the new end gets its own", async () => {
    const end = new Date("2027-09-01T12:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    await run(at(end, -7 * DAY));
    const extendedAt = at(end, -5 * DAY);
    await performAdminAction({ prisma: prisma(), now: () => extendedAt }, session, tenant.id, { intent: "extend", days: 10 });
    const newEnd = at(end, 10 * DAY);
    // The old end's 1-day reminder and expiry do not happen.
    await run(at(end, -DAY));
    await run(at(end, MINUTE));
    let rows = await rowsOf(tenant.id);
    expect(rows.tenant.subscription).toMatchObject({ status: "trialing", trialEndsAt: newEnd });
    expect(rows.emails.map((e) => e.idempotencyKey)).toEqual([`trial-ending:${subscription.id}:7:${end.toISOString()}`]);
    expect(rows.jobs).toEqual([]);
    await run(at(newEnd, -7 * DAY));
    rows = await rowsOf(tenant.id);
    expect(rows.emails.map((e) => e.idempotencyKey)).toEqual([
      `trial-ending:${subscription.id}:7:${end.toISOString()}`,
      `trial-ending:${subscription.id}:7:${newEnd.toISOString()}`,
    ]);
  });
});
