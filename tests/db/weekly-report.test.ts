// The weekly report's figures match the database: the test writes subscriptions, audit entries,
// jobs and usage samples inside, on the edges of, and outside the reported week, computes the
// expected counts from what it wrote, runs the weekly-report task through the scheduler's
// run-due pass, and compares the notification's fields. A second pass of the same period raises
// nothing more; the next week's report is a new notification.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../orchestrator/clock.ts";
import { defaultTimeSettings, requestJob, writeAudit, type AuditAction } from "../../orchestrator/index.ts";
import { weeklyReportTask } from "../../orchestrator/notify/weekly-report-task.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { runDueTasks } from "../../orchestrator/scheduler/scheduler.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 24 * 3_600_000;
// The report of Monday 30 November 2026, 07:00 UTC covers [23 Nov 07:00, 30 Nov 07:00).
const PERIOD_START = new Date("2026-11-30T07:00:00Z");
const WEEK_START = new Date(PERIOD_START.getTime() - 7 * DAY);
const at = (ms: number) => new Date(PERIOD_START.getTime() + ms);
const inWeek = (d: Date) => d >= WEEK_START && d < PERIOD_START;

let t: TestDatabase;
const prisma = () => t.db.prisma;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

type SubStatus = "trialing" | "active" | "expired" | "canceled";
interface TenantSpec {
  createdAt: Date;
  status: SubStatus;
  trialEndsAt: Date;
  destroyed: boolean;
  audits: { action: AuditAction; at: Date }[];
  failedJobsAt: Date[];
  samples: { at: Date; cpu: number; memory: bigint; disk: bigint | null }[];
}

async function writeTenant(spec: TenantSpec): Promise<void> {
  const n = randomUUID().slice(0, 8);
  const customer = await prisma().customer.create({
    data: { email: `c-${n}@example.com`, firstName: "C", lastName: "D", company: `Co ${n}`, phone: "+33612345678", createdAt: spec.createdAt },
  });
  const subscription = await prisma().subscription.create({
    data: { customerId: customer.id, status: spec.status, trialEndsAt: spec.trialEndsAt, createdAt: spec.createdAt },
  });
  const tenant = await prisma().tenant.create({
    data: {
      slug: `co-${n}`,
      customerId: customer.id,
      subscriptionId: subscription.id,
      statusToken: randomUUID(),
      actualState: spec.destroyed ? "destroyed" : "active",
      desiredState: spec.destroyed ? "destroyed" : "active",
    },
  });
  for (const audit of spec.audits) {
    await writeAudit(prisma(), { actorType: "system", actorId: "test", action: audit.action, tenantId: tenant.id, outcome: audit.action.endsWith("_failed") ? "failed" : "succeeded" });
  }
  // Entries are stamped by the database and append-only: the test (the tables' owner) lifts the
  // guard for a moment to move them to the time it means, then puts it back.
  const entries = await prisma().auditLog.findMany({ where: { tenantId: tenant.id }, orderBy: { id: "asc" } });
  await t.sql(`ALTER TABLE "AuditLog" DISABLE TRIGGER "AuditLog_append_only"`);
  try {
    for (const [i, entry] of entries.entries()) await prisma().auditLog.update({ where: { id: entry.id }, data: { at: spec.audits[i]!.at } });
  } finally {
    await t.sql(`ALTER TABLE "AuditLog" ENABLE TRIGGER "AuditLog_append_only"`);
  }
  for (const finishedAt of spec.failedJobsAt) {
    const jobId = await requestJob(prisma(), {
      tenantId: tenant.id,
      kind: "provision",
      requestedBy: "test",
      audit: { actorType: "system", actorId: "test", action: "trial.created", outcome: "queued" },
    });
    await prisma().provisioningJob.update({ where: { id: jobId }, data: { status: "failed", finishedAt } });
  }
  // A succeeded job in the week is no failure.
  const done = await requestJob(prisma(), {
    tenantId: tenant.id,
    kind: "restart",
    requestedBy: "test",
    audit: { actorType: "system", actorId: "test", action: "admin.restart", outcome: "queued" },
  });
  await prisma().provisioningJob.update({ where: { id: done }, data: { status: "succeeded", finishedAt: at(-DAY) } });
  for (const sample of spec.samples) {
    await prisma().usageSample.create({ data: { tenantId: tenant.id, at: sample.at, cpuPercent: sample.cpu, memoryBytes: sample.memory, diskBytes: sample.disk } });
  }
}

/** A varied set: every figure has rows inside the week, on both edges, and outside it. */
function specs(): TenantSpec[] {
  const list: TenantSpec[] = [];
  const createdTimes = [WEEK_START, at(-3 * DAY), at(-1), PERIOD_START, at(-8 * DAY), at(2 * DAY), at(-6 * DAY)];
  const statuses: SubStatus[] = ["trialing", "active", "trialing", "expired", "trialing", "canceled", "trialing"];
  const trialEnds = [PERIOD_START, at(7 * DAY - 1), at(7 * DAY), at(-1), at(3 * DAY), at(2 * DAY), at(10 * DAY)];
  const auditSets: { action: AuditAction; at: Date }[][] = [
    [{ action: "subscription.converted", at: at(-2 * DAY) }, { action: "tenant.provisioning_failed", at: WEEK_START }],
    [{ action: "subscription.converted", at: at(-8 * DAY) }, { action: "tenant.repair_failed", at: at(-1) }],
    [{ action: "tenant.terminate_failed", at: PERIOD_START }, { action: "tenant.provisioned", at: at(-DAY) }],
    [{ action: "subscription.converted", at: at(-1) }, { action: "trial.expired", at: at(-DAY) }],
    [{ action: "tenant.suspend_failed", at: at(-5 * DAY) }],
    [],
    [{ action: "subscription.converted", at: PERIOD_START }, { action: "tenant.destroy_failed", at: at(-7 * DAY - 1) }],
  ];
  const jobSets = [[at(-DAY)], [WEEK_START, at(-8 * DAY)], [PERIOD_START], [], [at(-2)], [at(-3 * DAY)], []];
  const GiB = 1024n ** 3n;
  const sampleSets: TenantSpec["samples"][] = [
    [
      { at: at(-3 * 3_600_000), cpu: 1.5, memory: 2n * GiB, disk: 5n * GiB },
      { at: at(-2 * 3_600_000), cpu: 2.25, memory: 3n * GiB, disk: 6n * GiB },
      { at: at(3_600_000), cpu: 99, memory: 99n * GiB, disk: 99n * GiB },
    ],
    [{ at: at(-2 * DAY), cpu: 10, memory: GiB, disk: null }],
    [{ at: at(-9 * DAY), cpu: 50, memory: 50n * GiB, disk: 50n * GiB }],
    [{ at: at(-DAY), cpu: 4, memory: GiB / 2n, disk: GiB }],
    [],
    [{ at: at(-DAY), cpu: 70, memory: 7n * GiB, disk: 7n * GiB }],
    [{ at: WEEK_START, cpu: 0.5, memory: GiB / 4n, disk: 3n * GiB }],
  ];
  for (let i = 0; i < createdTimes.length; i += 1) {
    list.push({
      createdAt: createdTimes[i]!,
      status: statuses[i]!,
      trialEndsAt: trialEnds[i]!,
      // The sixth tenant is destroyed: its samples are no live tenant's.
      destroyed: i === 5,
      audits: auditSets[i]!,
      failedJobsAt: jobSets[i]!,
      samples: sampleSets[i]!,
    });
  }
  return list;
}

function expectedFigures(written: TenantSpec[]) {
  const live = written.filter((s) => !s.destroyed);
  const latest = live
    .map((s) => s.samples.filter((x) => inWeek(x.at)).sort((a, b) => b.at.getTime() - a.at.getTime())[0])
    .filter((x) => x !== undefined);
  const audits = written.flatMap((s) => s.audits).filter((a) => inWeek(a.at));
  return {
    weekStart: WEEK_START.toISOString(),
    weekEnd: PERIOD_START.toISOString(),
    signups: written.filter((s) => inWeek(s.createdAt)).length,
    conversions: audits.filter((a) => a.action === "subscription.converted").length,
    trialsEndingSoon: written.filter((s) => s.status === "trialing" && s.trialEndsAt >= PERIOD_START && s.trialEndsAt < at(7 * DAY)).length,
    failedJobs: written.flatMap((s) => s.failedJobsAt).filter(inWeek).length,
    failedActions: audits.filter((a) => a.action.startsWith("tenant.") && a.action.endsWith("_failed")).length,
    liveTenants: live.length,
    tenantsMeasured: latest.length,
    cpuPercent: Math.round(latest.reduce((sum, x) => sum + x.cpu, 0) * 10) / 10,
    memoryBytes: Number(latest.reduce((sum, x) => sum + x.memory, 0n)),
    diskBytes: Number(latest.reduce((sum, x) => sum + (x.disk ?? 0n), 0n)),
  };
}

describe("the weekly report", () => {
  it("raises one report whose figures equal the counts of the rows written, once per week", async () => {
    const written = specs();
    for (const spec of written) await writeTenant(spec);
    const expected = expectedFigures(written);
    // The set is varied enough for a wrong window or filter to show.
    expect(expected).toMatchObject({ signups: 4, conversions: 2, trialsEndingSoon: 2, failedJobs: 4, failedActions: 3, liveTenants: 6, tenantsMeasured: 4 });

    const clock: Clock = { now: () => at(2 * 3_600_000), sleep: async () => {} };
    const deps = { prisma: prisma(), clock, logger: silentLogger, time: defaultTimeSettings() } as unknown as SchedulerDeps;
    const options = { prisma: prisma(), clock, logger: silentLogger, tasks: [weeklyReportTask(deps)] };
    const [report] = await runDueTasks(options, at(2 * 3_600_000));
    expect(report).toMatchObject({ task: "weekly-report", periodKey: PERIOD_START.toISOString(), outcome: "succeeded" });

    const notifications = await prisma().operatorNotification.findMany({ where: { kind: "report.weekly" } });
    expect(notifications).toHaveLength(1);
    expect(notifications[0]!.idempotencyKey).toBe(`report.weekly:${PERIOD_START.toISOString()}`);
    expect(notifications[0]!.severity).toBe("info");
    expect(notifications[0]!.payload).toEqual(expected);

    // The same period again (another process, a run-due later that week): done, nothing new.
    const [again] = await runDueTasks(options, at(3 * DAY));
    expect(again!.outcome).toBe("skipped");
    expect(await prisma().operatorNotification.count({ where: { kind: "report.weekly" } })).toBe(1);

    // The next week: a report of its own.
    await runDueTasks(options, at(7 * DAY + 60_000));
    const keys = (await prisma().operatorNotification.findMany({ where: { kind: "report.weekly" } })).map((row) => row.idempotencyKey).sort();
    expect(keys).toEqual([`report.weekly:${PERIOD_START.toISOString()}`, `report.weekly:${at(7 * DAY).toISOString()}`]);
  });
});
