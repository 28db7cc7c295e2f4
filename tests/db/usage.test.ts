// Usage samples against a real database (PostgreSQL and PGlite), without a running engine: an
// engine that does not answer (the real Docker driver on a socket that does not exist) makes the
// usage task skip those tenants and say so in its summary, without failing the run, while it
// still deletes samples past the retention time. Then what the console reads: one tenant's
// 30-day series, and the dashboard's totals (latest sample of each ACTIVE tenant).
import { randomUUID } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantUsageSeries, usageTotals } from "../../app/models/admin-usage.server.ts";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { usageTask } from "../../orchestrator/usage/usage-task.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

async function activeTenant(state: "active" | "suspended" = "active") {
  const outcome = await registerTrialSignup(t.db.prisma, signupData({ company: `Meter ${randomUUID().slice(0, 8)}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  return t.db.prisma.tenant.update({ where: { statusToken: outcome.statusToken }, data: { actualState: state }, select: { id: true, slug: true } });
}

const sample = (tenantId: string, at: Date, cpuPercent: number, memoryBytes: number, diskBytes: number | null) =>
  t.db.prisma.usageSample.create({ data: { tenantId, at, cpuPercent, memoryBytes: BigInt(memoryBytes), diskBytes: diskBytes === null ? null : BigInt(diskBytes) } });

describe(`usage (${process.env.TEST_DB_KIND})`, () => {
  it("skips the tenants of an engine that does not answer, says so, and still deletes old samples", async () => {
    const a = await activeTenant();
    const b = await activeTenant();
    const asOf = new Date("2027-01-15T10:20:00Z");
    await sample(a.id, new Date(asOf.getTime() - 31 * DAY), 1, 1000, null); // past 30 days
    await sample(a.id, new Date(asOf.getTime() - 29 * DAY), 1, 1000, null); // kept
    const deps = {
      prisma: t.db.prisma,
      driver: createDockerDriver({ docker: new Dockerode({ socketPath: `/nonexistent/${randomUUID()}.sock`, timeout: 5_000 }), clock: systemClock }),
      logger: silentLogger,
      time: { ...defaultTimeSettings(), usageIntervalMinutes: 60, usageRetentionDays: 30 },
    };
    const task = usageTask(deps);
    const summary = await task.run({ asOf, periodStart: task.period.startOf(asOf), runId: "t", signal: new AbortController().signal, logger: silentLogger });
    expect(summary).toMatchObject({ tenants: 2, sampled: 0, skipped: 2, deleted: 1 });
    expect(String(summary.skippedTenants).split(", ").sort()).toEqual([a.slug, b.slug].sort());
    expect(await t.db.prisma.usageSample.count({ where: { tenantId: { in: [a.id, b.id] } } })).toBe(1);
  });

  it("the tenant page's series and the dashboard's totals", async () => {
    const now = new Date("2027-02-10T12:00:00Z");
    // Only these tenants' samples from here on.
    await t.db.prisma.usageSample.deleteMany({});
    const one = await activeTenant();
    const two = await activeTenant();
    const asleep = await activeTenant("suspended");
    await sample(one.id, new Date(now.getTime() - 40 * DAY), 9, 9e9, 9e9); // older than the chart
    await sample(one.id, new Date(now.getTime() - 2 * HOUR), 10, 100 * 1024 * 1024, 5e8);
    await sample(one.id, new Date(now.getTime() - HOUR), 20.5, 200 * 1024 * 1024, 6e8);
    await sample(two.id, new Date(now.getTime() - 3 * HOUR), 3.25, 50 * 1024 * 1024, null);
    await sample(asleep.id, new Date(now.getTime() - HOUR), 50, 1e9, 1e9); // not active: not counted

    const series = await tenantUsageSeries(t.db.prisma, one.id, now);
    expect(series).toEqual([
      { at: new Date(now.getTime() - 2 * HOUR).toISOString(), cpuPercent: 10, memoryBytes: 100 * 1024 * 1024, diskBytes: 5e8 },
      { at: new Date(now.getTime() - HOUR).toISOString(), cpuPercent: 20.5, memoryBytes: 200 * 1024 * 1024, diskBytes: 6e8 },
    ]);
    // Plain numbers: the loader can send them as JSON.
    expect(() => JSON.stringify(series)).not.toThrow();

    expect(await usageTotals(t.db.prisma)).toEqual({
      tenants: 2,
      cpuPercent: 23.75,
      memoryBytes: 250 * 1024 * 1024,
      diskBytes: 6e8,
      diskUnknown: 1,
      latestAt: new Date(now.getTime() - HOUR).toISOString(),
    });
  });
});
