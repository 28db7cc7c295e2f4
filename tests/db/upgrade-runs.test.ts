// Upgrade runs' batches against a real database (PostgreSQL and PGlite), without the engine: the
// upgrade jobs' endings are played by hand, as the job does it (the run's row for the tenant set,
// then advanceRun in the same transaction). A run queues only its first batch; the next batch is
// queued once every tenant of the current one has ended; a failed or rolled-back tenant stops the
// run and skips the later batches; a tenant no longer active when its batch comes is skipped. And
// the refusals: a bad image reference, a batch size out of range, an unknown or inactive tenant, a
// tenant already in a running run, a tenant already on the image.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { advanceRun, requestUpgrade, upgradeRunSummary, UpgradeRequestError } from "../../orchestrator/upgrades/runs.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
const prisma = () => t.db.prisma;
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const SETTINGS = { healthTimeoutSeconds: 30 };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

async function activeTenant(plan: string) {
  const outcome = await registerTrialSignup(prisma(), signupData({ company: `F Runs ${randomUUID().slice(0, 8)}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, select: { id: true, slug: true, subscriptionId: true } });
  await prisma().provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  await prisma().tenant.update({ where: { id: tenant.id }, data: { actualState: "active", appImage: "vendor/app:1" } });
  await prisma().subscription.update({ where: { id: tenant.subscriptionId! }, data: { plan } });
  return tenant;
}

/** What the upgrade job does when it ends: its row of the run, then advanceRun, in one transaction. */
async function jobEnds(jobId: string, status: "succeeded" | "rolled_back" | "failed") {
  await prisma().$transaction(async (tx) => {
    const item = await tx.upgradeRunTenant.update({ where: { jobId }, data: { status, finishedAt: new Date() } });
    await tx.provisioningJob.update({ where: { id: jobId }, data: { status: status === "succeeded" ? "succeeded" : "failed" } });
    await advanceRun(tx, item.runId, new Date());
  });
}

const statuses = async (runId: string) => (await upgradeRunSummary(prisma(), runId))!.tenants.map((item) => `${item.batch}:${item.status}`);

describe("upgrade runs", () => {
  it("queue one batch at a time, each once the one before has ended, and succeed at the end", async () => {
    const plan = `f-plan-${randomUUID().slice(0, 6)}`;
    const tenants = [await activeTenant(plan), await activeTenant(plan), await activeTenant(plan)];
    const run = await requestUpgrade(prisma(), { target: { plan }, image: "vendor/app:2", batchSize: 2 }, OPERATOR, SETTINGS, systemClock);
    expect(run.tenants.map((item) => item.slug).sort()).toEqual(tenants.map((tenant) => tenant.slug).sort());
    expect(await statuses(run.id)).toEqual(["0:queued", "0:queued", "1:pending"]);
    const jobs = await prisma().provisioningJob.findMany({ where: { kind: "upgrade", tenantId: { in: tenants.map((x) => x.id) } } });
    expect(jobs).toHaveLength(2);
    expect(jobs[0]!.parameters).toMatchObject({ image: "vendor/app:2", runId: run.id, healthTimeoutSeconds: 30 });
    expect(await prisma().auditLog.count({ where: { action: "admin.upgrade_started", details: { path: ["runId"], equals: run.id } } })).toBe(1);

    const [first, second] = run.tenants;
    await jobEnds(first!.jobId!, "succeeded");
    // The other tenant of the batch still runs: nothing more is queued.
    expect(await statuses(run.id)).toEqual(["0:succeeded", "0:queued", "1:pending"]);
    await jobEnds(second!.jobId!, "succeeded");
    const afterBatch = await upgradeRunSummary(prisma(), run.id);
    expect(afterBatch!.tenants.map((item) => `${item.batch}:${item.status}`)).toEqual(["0:succeeded", "0:succeeded", "1:queued"]);
    // A later batch's job carries the run's health timeout too.
    const third = afterBatch!.tenants[2]!;
    expect((await prisma().provisioningJob.findUniqueOrThrow({ where: { id: third.jobId! } })).parameters).toMatchObject({ healthTimeoutSeconds: 30 });
    await jobEnds(third.jobId!, "succeeded");
    const ended = await upgradeRunSummary(prisma(), run.id);
    expect(ended).toMatchObject({ status: "succeeded" });
    expect(ended!.finishedAt).not.toBeNull();
  });

  it("stop after a batch with a failure: the later batches are skipped, the batch's other tenant finishes", async () => {
    const plan = `f-plan-${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 5; i += 1) await activeTenant(plan);
    const run = await requestUpgrade(prisma(), { target: { plan }, image: "vendor/app:bad", batchSize: 2 }, OPERATOR, SETTINGS, systemClock);
    const [first, second] = run.tenants;
    await jobEnds(first!.jobId!, "rolled_back");
    expect((await upgradeRunSummary(prisma(), run.id))!.status).toBe("running");
    await jobEnds(second!.jobId!, "succeeded");
    const ended = await upgradeRunSummary(prisma(), run.id);
    expect(ended!.status).toBe("stopped");
    expect(ended!.tenants.map((item) => `${item.batch}:${item.status}`)).toEqual(["0:rolled_back", "0:succeeded", "1:skipped", "1:skipped", "2:skipped"]);
    expect(await prisma().provisioningJob.count({ where: { kind: "upgrade", tenantId: { in: ended!.tenants.slice(2).map((x) => x.tenantId) } } })).toBe(0);
  });

  it("skip a tenant that is no longer active when its batch comes", async () => {
    const plan = `f-plan-${randomUUID().slice(0, 6)}`;
    await activeTenant(plan);
    await activeTenant(plan);
    const run = await requestUpgrade(prisma(), { target: { plan }, image: "vendor/app:3", batchSize: 1 }, OPERATOR, SETTINGS, systemClock);
    const later = run.tenants[1]!;
    await prisma().tenant.update({ where: { id: later.tenantId }, data: { actualState: "suspended" } });
    await jobEnds(run.tenants[0]!.jobId!, "succeeded");
    const ended = await upgradeRunSummary(prisma(), run.id);
    expect(ended!.status).toBe("succeeded");
    expect(ended!.tenants[1]).toMatchObject({ status: "skipped", jobId: null });
    expect(ended!.tenants[1]!.error).toMatch(/suspended, not active/);
  });

  it("refuse what cannot be upgraded, saying why", async () => {
    const plan = `f-plan-${randomUUID().slice(0, 6)}`;
    const tenant = await activeTenant(plan);
    const ask = (target: { slug: string } | { plan: string }, image: string, batchSize = 1) =>
      requestUpgrade(prisma(), { target, image, batchSize }, OPERATOR, SETTINGS, systemClock);
    await expect(ask({ slug: tenant.slug }, "Not An Image!")).rejects.toThrow(/is not an image reference/);
    await expect(ask({ slug: tenant.slug }, "vendor/app:4", 0)).rejects.toThrow(/from 1 to 50/);
    await expect(ask({ slug: "f-no-such-tenant" }, "vendor/app:4")).rejects.toThrow(/No tenant has the slug/);
    await expect(ask({ slug: tenant.slug }, "vendor/app:1")).rejects.toThrow(/already runs vendor\/app:1/);
    await expect(ask({ plan: `${plan}-none` }, "vendor/app:4")).rejects.toThrow(UpgradeRequestError);
    await ask({ slug: tenant.slug }, "vendor/app:4");
    await expect(ask({ slug: tenant.slug }, "vendor/app:5")).rejects.toThrow(/already in upgrade run/);
    await prisma().tenant.update({ where: { id: tenant.id }, data: { actualState: "suspended" } });
    await expect(ask({ slug: tenant.slug }, "vendor/app:6")).rejects.toThrow(/suspended, not active/);
  });
});
