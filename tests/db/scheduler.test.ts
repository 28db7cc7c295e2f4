// The scheduler against a real database: each task runs once per period however many schedulers
// run it, a crashed runner's run is taken over once its lease ends (and the old runner can no
// longer record an outcome), a failing run is tried again and reported once when it gives up, a
// start-up task runs at each start, and `run-due` skips a period already done.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../orchestrator/clock.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { everyMinutes } from "../../orchestrator/scheduler/periods.ts";
import { claimRun, finishRun, latestRuns } from "../../orchestrator/scheduler/run-store.ts";
import { runDueTasks, startScheduler, type RunFailure, type SchedulerOptions } from "../../orchestrator/scheduler/scheduler.ts";
import type { ScheduledTask, TaskContext } from "../../orchestrator/scheduler/task.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});
beforeEach(async () => {
  await t.db.prisma.scheduledRun.deleteMany();
});

/** A clock the test moves by hand; sleeps stay real (the scheduler's polls are short). */
function manualClock(startIso: string): Clock & { set(iso: string): void } {
  let now = new Date(startIso);
  return { now: () => now, sleep: systemClock.sleep, set: (iso) => (now = new Date(iso)) };
}

function countingTask(name: string, overrides: Partial<ScheduledTask> = {}) {
  const runs: TaskContext[] = [];
  const task: ScheduledTask = {
    name,
    description: "counts its runs",
    period: everyMinutes(5),
    async run(context) {
      runs.push(context);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { n: runs.length };
    },
    ...overrides,
  };
  return { task, runs };
}

function options(clock: Clock, tasks: ScheduledTask[], extra: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return { prisma: t.db.prisma, clock, logger: silentLogger, tasks, pollIntervalMs: 20, leaseMs: 10_000, ...extra };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe(`scheduler (${process.env.TEST_DB_KIND})`, () => {
  it("runs a task once per period while three schedulers poll it", async () => {
    const clock = manualClock("2026-12-03T12:01:00Z");
    const { task, runs } = countingTask("count");
    const schedulers = [1, 2, 3].map(() => startScheduler(options(clock, [task])));
    try {
      await until(() => runs.length === 1, "the first run");
      await settle();
      expect(runs).toHaveLength(1);
      expect(runs[0]!.periodStart.toISOString()).toBe("2026-12-03T12:00:00.000Z");
      expect(runs[0]!.asOf.toISOString()).toBe("2026-12-03T12:01:00.000Z");

      clock.set("2026-12-03T12:06:00Z");
      await until(() => runs.length === 2, "the next period's run");
      await settle();
      expect(runs).toHaveLength(2);

      // Days later (downtime): one run for the current period, not one per missed period.
      clock.set("2026-12-05T08:00:00Z");
      await until(() => runs.length === 3, "the run after the gap");
      await settle();
      expect(runs).toHaveLength(3);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
    const rows = await t.db.prisma.scheduledRun.findMany({ where: { task: "count" }, orderBy: { startedAt: "asc" } });
    expect(rows.map((r) => [r.periodKey, r.status, r.attempts])).toEqual([
      ["2026-12-03T12:00:00.000Z", "succeeded", 1],
      ["2026-12-03T12:05:00.000Z", "succeeded", 1],
      ["2026-12-05T08:00:00.000Z", "succeeded", 1],
    ]);
    expect(rows[2]!.summary).toEqual({ n: 3 });
  });

  it("takes over a run whose runner stopped renewing its lease, and fences the old runner out", async () => {
    const now = new Date("2026-12-03T12:00:30Z");
    const key = { task: "takeover", periodKey: "2026-12-03T12:00:00.000Z" };
    const crashed = await claimRun(t.db.prisma, { ...key, asOf: now, now, owner: "crashed", leaseMs: 1_000 });
    expect(crashed).not.toBeNull();
    // Still within the lease: nobody else may take it.
    expect(await claimRun(t.db.prisma, { ...key, asOf: now, now: new Date(now.getTime() + 500), owner: "other", leaseMs: 1_000 })).toBeNull();

    const { task, runs } = countingTask("takeover");
    const reports = await runDueTasks(options(manualClock("2026-12-03T12:00:32Z"), [task]), new Date("2026-12-03T12:00:32Z"));
    expect(reports).toEqual([{ task: "takeover", periodKey: key.periodKey, outcome: "succeeded", summary: { n: 1 } }]);
    expect(runs).toHaveLength(1);
    // The crashed runner wakes up: its outcome is not recorded.
    expect(await finishRun(t.db.prisma, crashed!, new Date(), { status: "failed", error: "late", retryAt: null })).toBe(false);
    const row = await t.db.prisma.scheduledRun.findUniqueOrThrow({ where: { task_periodKey: key } });
    expect([row.status, row.attempts, row.error]).toEqual(["succeeded", 2, null]);
  });

  it("tries a failing run again after its delay and reports it once when it gives up", async () => {
    const clock = manualClock("2026-12-03T12:00:00Z");
    const failures: RunFailure[] = [];
    let calls = 0;
    const task: ScheduledTask = {
      name: "flaky",
      description: "always fails",
      period: everyMinutes(60),
      run: async () => {
        calls++;
        throw new Error("the engine said no");
      },
    };
    const opts = options(clock, [task], {
      maxAttempts: 3,
      retryDelayMs: () => 60_000,
      onRunFailed: async (failure) => void failures.push(failure),
    });
    const scheduler = startScheduler(opts);
    try {
      await until(() => calls === 1, "the first attempt");
      await settle();
      expect(calls).toBe(1); // not again before its retry time
      clock.set("2026-12-03T12:01:01Z");
      await until(() => calls === 2, "the second attempt");
      clock.set("2026-12-03T12:02:02Z");
      await until(() => calls === 3, "the third attempt");
      await until(() => failures.length === 1, "the report");
      clock.set("2026-12-03T12:30:00Z");
      await settle();
    } finally {
      await scheduler.stop();
    }
    expect(calls).toBe(3);
    expect(failures).toEqual([{ task: "flaky", periodKey: "2026-12-03T12:00:00.000Z", asOf: new Date("2026-12-03T12:02:02Z"), attempts: 3, error: "the engine said no" }]);
    const row = await t.db.prisma.scheduledRun.findFirstOrThrow({ where: { task: "flaky" } });
    expect([row.status, row.attempts, row.retryAt, row.error]).toEqual(["failed", 3, null, "the engine said no"]);
  });

  it("runs a start-up task at each start, besides its periods", async () => {
    const clock = manualClock("2026-12-03T12:00:10Z");
    const { task, runs } = countingTask("boot", { runAtStart: true, period: everyMinutes(60) });
    for (let i = 0; i < 2; i++) {
      const scheduler = startScheduler(options(clock, [task]));
      await until(() => runs.length >= 2 * (i + 1) - i, "the start run");
      await settle();
      await scheduler.stop();
    }
    // Two starts, one period: 2 start-up runs and 1 run of the hour.
    expect(runs).toHaveLength(3);
    const keys = (await t.db.prisma.scheduledRun.findMany({ where: { task: "boot" } })).map((r) => r.periodKey);
    expect(keys.filter((k) => k.startsWith("start:"))).toHaveLength(2);
    expect(keys).toContain("2026-12-03T12:00:00.000Z");
  });

  it("run-due runs what is due as of a given time and skips a period already done", async () => {
    const { task, runs } = countingTask("due", { period: everyMinutes(60) });
    const clock = manualClock("2026-12-03T12:00:00Z");
    const first = await runDueTasks(options(clock, [task]), new Date("2027-01-10T09:30:00Z"));
    expect(first).toEqual([{ task: "due", periodKey: "2027-01-10T09:00:00.000Z", outcome: "succeeded", summary: { n: 1 } }]);
    expect(runs[0]!.asOf.toISOString()).toBe("2027-01-10T09:30:00.000Z");
    const again = await runDueTasks(options(clock, [task]), new Date("2027-01-10T09:45:00Z"));
    expect(again).toEqual([{ task: "due", periodKey: "2027-01-10T09:00:00.000Z", outcome: "skipped" }]);
    expect(runs).toHaveLength(1);
    const latest = await latestRuns(t.db.prisma, ["due", "never-ran"]);
    expect(latest.get("due")?.status).toBe("succeeded");
    expect(latest.has("never-ran")).toBe(false);
  });
});
