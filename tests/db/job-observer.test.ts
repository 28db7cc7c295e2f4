// The orchestrator's observer (what /metrics counts) against a real database: each job run is
// reported once with how it ended (succeeded, retried, failed for good, taken over), each step it
// ran with its outcome, each scheduled run this process claimed; an observer that throws changes
// nothing about the work.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../orchestrator/clock.ts";
import { ImageMissingError, OrchestratorError } from "../../orchestrator/errors.ts";
import { claimNextJob } from "../../orchestrator/jobs/job-store.ts";
import { runClaimedJob, type JobDefinition, type JobRunnerOptions } from "../../orchestrator/jobs/run-job.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import type { OrchestratorObserver } from "../../orchestrator/observer.ts";
import { everyMinutes } from "../../orchestrator/scheduler/periods.ts";
import { runDueTasks } from "../../orchestrator/scheduler/scheduler.ts";
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
});

type Event = [string, ...unknown[]];
function recorder(): { events: Event[]; observer: OrchestratorObserver } {
  const events: Event[] = [];
  return {
    events,
    observer: {
      jobFinished: (kind, outcome, ms) => void events.push(["job", kind, outcome, typeof ms === "number" && ms >= 0]),
      stepFinished: (kind, step, outcome, ms) => void events.push(["step", kind, step, outcome, typeof ms === "number" && ms >= 0]),
      scheduledRun: (task, outcome) => void events.push(["run", task, outcome]),
    },
  };
}

// A clock standing at one time (waits still pass in real time).
const manualClockAt = (at: Date): Clock => ({ now: () => new Date(at), sleep: (ms, signal) => systemClock.sleep(ms, signal) });

let n = 0;
async function queuedJob(kind: "provision" | "destroy" = "provision") {
  n++;
  const customer = await t.db.prisma.customer.create({
    data: { email: `observer${n}@example.com`, firstName: "O", lastName: "Bs", company: "Observer", phone: "+33612345678" },
  });
  const tenant = await t.db.prisma.tenant.create({ data: { slug: `observer-${n}`, customerId: customer.id, statusToken: `observer-token-${n}` } });
  return t.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind } });
}

function runner(definition: JobDefinition, observer: OrchestratorObserver): JobRunnerOptions {
  return {
    prisma: t.db.prisma,
    clock: systemClock,
    logger: silentLogger,
    workerId: "observer-worker",
    leaseMs: 30_000,
    timeoutMs: 300_000,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    definitions: { provision: definition, destroy: definition },
    observer,
  };
}

const step = (name: string, run: () => Promise<void> = async () => {}) => ({ name, run });

describe(`job observer (${process.env.TEST_DB_KIND})`, () => {
  it("reports a job that succeeded and each of its steps", async () => {
    await queuedJob("destroy");
    const { events, observer } = recorder();
    const claimed = (await claimNextJob(t.db.prisma, "observer-worker", new Date(), 30_000))!;
    await runClaimedJob(runner({ steps: [step("one"), step("two")] }, observer), claimed);
    expect(events).toEqual([
      ["step", "destroy", "one", "succeeded", true],
      ["step", "destroy", "two", "succeeded", true],
      ["job", "destroy", "succeeded", true],
    ]);
  });

  it("reports a transient failure as retried, and a permanent one as failed after compensation", async () => {
    await queuedJob();
    const transient = recorder();
    const flaky = { steps: [step("one"), step("two", async () => { throw new OrchestratorError("try later", { transient: true }); })] };
    await runClaimedJob(runner(flaky, transient.observer), (await claimNextJob(t.db.prisma, "observer-worker", new Date(), 30_000))!);
    expect(transient.events).toEqual([
      ["step", "provision", "one", "succeeded", true],
      ["step", "provision", "two", "failed", true],
      ["job", "provision", "retried", true],
    ]);

    const permanent = recorder();
    let compensated = false;
    const broken: JobDefinition = {
      steps: [step("one"), step("two", async () => { throw new ImageMissingError("tenantry/none:1"); })],
      compensate: async () => void (compensated = true),
    };
    // The retry is due later: claim it as of then. Step "one" already succeeded and is not run again.
    const later = new Date(Date.now() + 60_000);
    await runClaimedJob({ ...runner(broken, permanent.observer), clock: manualClockAt(later) }, (await claimNextJob(t.db.prisma, "observer-worker", later, 30_000))!);
    expect(compensated).toBe(true);
    expect(permanent.events).toEqual([
      ["step", "provision", "two", "failed", true],
      ["job", "provision", "failed", true],
    ]);
  });

  it("reports a runner whose job was taken over as taken_over, and its step not at all", async () => {
    await queuedJob();
    const now = new Date();
    const stale = (await claimNextJob(t.db.prisma, "observer-a", now, 1_000))!;
    expect(await claimNextJob(t.db.prisma, "observer-b", new Date(now.getTime() + 5_000), 30_000)).not.toBeNull();
    const { events, observer } = recorder();
    await runClaimedJob(runner({ steps: [step("one")] }, observer), stale);
    expect(events).toEqual([["job", "provision", "taken_over", true]]);
  });

  it("is never allowed to change the outcome: an observer that throws is ignored", async () => {
    const job = await queuedJob();
    const throwing: OrchestratorObserver = {
      jobFinished: () => { throw new Error("observer broke"); },
      stepFinished: () => { throw new Error("observer broke"); },
    };
    await runClaimedJob(runner({ steps: [step("one")] }, throwing), (await claimNextJob(t.db.prisma, "observer-worker", new Date(), 30_000))!);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(row.status).toBe("succeeded");
    expect(row.steps.map((s) => s.status)).toEqual(["succeeded"]);
  });

  it("reports the scheduled runs this process claimed, not those it skipped", async () => {
    const { events, observer } = recorder();
    const at = new Date("2026-12-03T12:00:30Z");
    const tasks = [
      { name: "observer-ok", description: "succeeds", period: everyMinutes(5), run: async () => ({ done: 1 }) },
      { name: "observer-broken", description: "fails", period: everyMinutes(5), run: async () => { throw new Error("broken"); } },
    ];
    const options = { prisma: t.db.prisma, clock: manualClockAt(at), logger: silentLogger, tasks, observer };
    await runDueTasks(options, at);
    // Again for the same period: the succeeded run is done, the failed one waits for its retry delay.
    await runDueTasks(options, at);
    expect(events).toEqual([
      ["run", "observer-ok", "succeeded"],
      ["run", "observer-broken", "failed"],
    ]);
  });
});
