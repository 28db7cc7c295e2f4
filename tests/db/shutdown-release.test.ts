// What a graceful shutdown leaves in the database, on both database kinds: a worker told to stop
// lets the running job finish its current step, records it, and releases the job (queued, due at
// once, its claim not counted, no lease) instead of starting the next step, and claims nothing
// more; the next worker carries on from the next step. A release with a token that no longer holds
// the job writes nothing. A scheduled run whose task stops on the stop signal is released the same
// way (claimable again at once, its attempt not counted); one that finishes anyway is recorded.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../orchestrator/clock.ts";
import { claimNextJob, leaseOf, releaseJob } from "../../orchestrator/jobs/job-store.ts";
import type { JobDefinition } from "../../orchestrator/jobs/run-job.ts";
import { startWorker } from "../../orchestrator/jobs/worker.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { everyMinutes } from "../../orchestrator/scheduler/periods.ts";
import { claimRun } from "../../orchestrator/scheduler/run-store.ts";
import { startScheduler } from "../../orchestrator/scheduler/scheduler.ts";
import type { ScheduledTask } from "../../orchestrator/scheduler/task.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});
beforeEach(async () => {
  await t.db.prisma.provisioningJob.updateMany({ where: { status: { in: ["queued", "running"] } }, data: { status: "canceled" } });
  await t.db.prisma.scheduledRun.deleteMany();
});

let counter = 0;
async function newTenantWithJob() {
  const n = ++counter;
  const customer = await t.db.prisma.customer.create({
    data: { email: `release${n}@example.com`, firstName: "R", lastName: "Elease", company: "Release", phone: "+33612345678" },
  });
  const tenant = await t.db.prisma.tenant.create({ data: { slug: `release-${n}`, customerId: customer.id, statusToken: `release-token-${n}` } });
  const job = await t.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind: "provision" } });
  return { tenant, job };
}

/** A promise the test resolves by hand. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function workerWith(definitions: Record<string, JobDefinition>) {
  return startWorker({
    prisma: t.db.prisma,
    clock: systemClock,
    logger: silentLogger,
    concurrency: 2,
    pollIntervalMs: 20,
    leaseMs: 30_000,
    timeoutMs: 300_000,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    definitions,
    pingEngine: async () => {},
    engineDescription: "none",
    engineSetting: "engine.socket",
  });
}

describe(`graceful shutdown: releasing jobs (${process.env.TEST_DB_KIND})`, () => {
  it("finishes the step in flight, releases the job without counting the claim, and the next worker runs the remaining steps", async () => {
    const { job } = await newTenantWithJob();
    const inFirstStep = gate();
    const finishFirstStep = gate();
    const ran: string[] = [];
    const definition = (worker: string): JobDefinition => ({
      steps: [
        {
          name: "first",
          run: async ({ job: running }) => {
            if (running.id !== job.id) return;
            ran.push(`${worker}:first`);
            inFirstStep.open();
            await finishFirstStep.opened;
          },
        },
        { name: "second", run: async ({ job: running }) => void (running.id === job.id && ran.push(`${worker}:second`)) },
      ],
    });
    const stopping = workerWith({ provision: definition("a") });
    await inFirstStep.opened;
    const stopped = stopping.stop();
    // Stopping claims nothing more: a job queued now waits for the next process.
    const { job: later } = await newTenantWithJob();
    finishFirstStep.open();
    await stopped;

    const released = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(released).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null, leaseToken: null, leaseExpiresAt: null });
    expect(released.runAfter.getTime()).toBeLessThanOrEqual(Date.now());
    expect(released.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["first", "succeeded", 1],
      ["second", "pending", 0],
    ]);
    expect(ran).toEqual(["a:first"]);
    expect((await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: later.id } })).status).toBe("queued");

    const next = workerWith({ provision: definition("b") });
    try {
      await until(async () => (await t.db.prisma.provisioningJob.count({ where: { id: { in: [job.id, later.id] }, status: "succeeded" } })) === 2, "both jobs");
    } finally {
      await next.stop();
    }
    const done = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(done.attempts).toBe(1);
    expect(done.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["first", "succeeded", 1],
      ["second", "succeeded", 1],
    ]);
    expect(ran).toEqual(["a:first", "b:second"]);
  });

  it("releases nothing with a token that no longer holds the job", async () => {
    const { job } = await newTenantWithJob();
    const now = new Date();
    const first = await claimNextJob(t.db.prisma, "worker-a", now, 1_000);
    const takeover = await claimNextJob(t.db.prisma, "worker-b", new Date(now.getTime() + 2_000), 30_000);
    expect(takeover?.id).toBe(job.id);
    expect(await releaseJob(t.db.prisma, leaseOf(first!), new Date())).toBe(false);
    expect(await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "running",
      attempts: 2,
      leaseOwner: "worker-b",
      leaseToken: takeover!.leaseToken,
    });
    expect(await releaseJob(t.db.prisma, leaseOf(takeover!), new Date())).toBe(true);
    expect(await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "queued", attempts: 1, leaseToken: null });
  });
});

describe(`graceful shutdown: releasing scheduled runs (${process.env.TEST_DB_KIND})`, () => {
  const options = (tasks: ScheduledTask[]) => ({ prisma: t.db.prisma, clock: systemClock, logger: silentLogger, tasks, pollIntervalMs: 20, leaseMs: 10_000 });

  it("releases a run whose task stops on the signal, so the next process claims it at once with its attempt not counted", async () => {
    const started = gate();
    const task: ScheduledTask = {
      name: "patient",
      description: "waits until told to stop",
      period: everyMinutes(5),
      run: ({ signal }) =>
        new Promise((_resolve, reject) => {
          started.open();
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    };
    const scheduler = startScheduler(options([task]));
    await started.opened;
    await scheduler.stop();
    const row = await t.db.prisma.scheduledRun.findFirstOrThrow({ where: { task: "patient" } });
    expect(row).toMatchObject({ status: "failed", attempts: 0, leaseExpiresAt: null });
    expect(row.retryAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(row.error).toMatch(/shutdown/);

    const claimed = await claimRun(t.db.prisma, { task: "patient", periodKey: row.periodKey, asOf: new Date(), now: new Date(), owner: "next", leaseMs: 10_000 });
    expect(claimed?.attempts).toBe(1);
  });

  it("records a run that finishes despite the stop signal", async () => {
    const started = gate();
    const finish = gate();
    const task: ScheduledTask = {
      name: "stubborn",
      description: "finishes whatever happens",
      period: everyMinutes(5),
      run: async () => {
        started.open();
        await finish.opened;
        return { done: 1 };
      },
    };
    const scheduler = startScheduler(options([task]));
    await started.opened;
    const stopped = scheduler.stop();
    finish.open();
    await stopped;
    expect(await t.db.prisma.scheduledRun.findFirstOrThrow({ where: { task: "stubborn" } })).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});
