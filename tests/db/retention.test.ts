// The retention task against a real database (PostgreSQL and PGlite), as of given times: final
// dumps past their expiry have their file deleted, deletedAt set and one tenant.dump_deleted entry
// (a dump not yet expired stays); customers whose tenants all ended more than
// eraseTerminatedAfterDays ago are erased by the system, those who ended later, or who still
// have a live tenant, are not; two runs at once, and runs again later, do each thing once.
import { randomUUID } from "node:crypto";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { writeAudit } from "../../orchestrator/audit/audit-log.ts";
import { runRetention, type RetentionDeps } from "../../orchestrator/customers/retention-task.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { claimRun, finishRun } from "../../orchestrator/scheduler/run-store.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
let t: TestDatabase;
let dumpsDir: string;
let deps: RetentionDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  dumpsDir = await mkdtemp(path.join(tmpdir(), "tenantry-dumps-"));
  deps = { prisma: t.db.prisma, logger: silentLogger, clock: systemClock, time: { ...defaultTimeSettings(), dumpsDir, eraseTerminatedAfterDays: 90 } };
});
afterAll(async () => {
  await t?.dispose();
  if (dumpsDir) await rm(dumpsDir, { recursive: true, force: true });
});

const run = (asOf: Date) => runRetention(deps, { asOf, signal: new AbortController().signal, logger: silentLogger });

async function signUp() {
  const outcome = await registerTrialSignup(t.db.prisma, signupData({ company: `Keep ${randomUUID().slice(0, 8)}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  return t.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, select: { id: true, slug: true, customerId: true } });
}

/** Ends the tenant as the destroy or terminate job does: its state, then the entry whose time counts. */
async function endTenant(tenantId: string, action: "tenant.destroyed" | "tenant.terminated") {
  await t.db.prisma.tenant.update({ where: { id: tenantId }, data: { desiredState: "destroyed", actualState: "destroyed" } });
  await writeAudit(t.db.prisma, { actorType: "system", actorId: "test", action, tenantId, outcome: "succeeded" });
}

async function dump(tenantId: string, expiresAt: Date) {
  const fileName = `${tenantId}-${randomUUID().slice(0, 8)}.dump.enc`;
  await writeFile(path.join(dumpsDir, fileName), "sealed dump");
  return t.db.prisma.tenantDump.create({ data: { tenantId, reason: "final", fileName, sizeBytes: 11, sha256: "0".repeat(64), expiresAt } });
}

const exists = (fileName: string) =>
  access(path.join(dumpsDir, fileName)).then(
    () => true,
    () => false,
  );

describe(`retention (${process.env.TEST_DB_KIND})`, () => {
  it("deletes final dumps once they expire, each once, and keeps the others", async () => {
    const tenant = await signUp();
    const expires = new Date("2027-03-01T00:00:00Z");
    const early = await dump(tenant.id, expires);
    const later = await dump(tenant.id, new Date(expires.getTime() + 10 * DAY));

    // The day before: nothing.
    expect(await run(new Date(expires.getTime() - DAY))).toMatchObject({ dumpsDeleted: 0 });
    expect(await exists(early.fileName)).toBe(true);

    const asOf = new Date(expires.getTime() + 3 * 3_600_000);
    const [first, second] = await Promise.all([run(asOf), run(asOf)]);
    expect(Number(first.dumpsDeleted) + Number(second.dumpsDeleted)).toBe(1);
    expect(await exists(early.fileName)).toBe(false);
    expect(await exists(later.fileName)).toBe(true);
    const rows = await t.db.prisma.tenantDump.findMany({ where: { tenantId: tenant.id }, orderBy: { expiresAt: "asc" } });
    expect(rows.map((r) => r.deletedAt?.toISOString() ?? null)).toEqual([asOf.toISOString(), null]);
    const entries = await t.db.prisma.auditLog.findMany({ where: { action: "tenant.dump_deleted", tenantId: tenant.id } });
    expect(entries.map((e) => ({ actorType: e.actorType, actorId: e.actorId, details: e.details }))).toEqual([
      { actorType: "system", actorId: "scheduler", details: { dumpId: early.id } },
    ]);

    // Again the next day: the deleted one is not counted twice.
    expect(await run(new Date(asOf.getTime() + DAY))).toMatchObject({ dumpsDeleted: 0 });
    expect(await t.db.prisma.auditLog.count({ where: { action: "tenant.dump_deleted", tenantId: tenant.id } })).toBe(1);
  });

  it("erases customers whose tenants all ended more than the retention time ago, once, and no one else", async () => {
    const ended = await signUp(); // destroyed by an admin
    const terminated = await signUp(); // terminated at the end of a trial
    const live = await signUp(); // still running
    await endTenant(ended.id, "tenant.destroyed");
    await endTenant(terminated.id, "tenant.terminated");
    const endedAt = Date.now();
    const eraseDue = new Date(endedAt + 90 * DAY + 60_000);

    // 89 days later: not yet.
    const early = await run(new Date(endedAt + 89 * DAY));
    expect(early).toMatchObject({ customersErased: 0 });
    expect(Number(early.customersWaiting)).toBeGreaterThanOrEqual(2);
    const erasedIds = async () =>
      (await t.db.prisma.customer.findMany({ where: { erasedAt: { not: null } }, select: { id: true } })).map((c) => c.id).sort();
    expect(await erasedIds()).toEqual([]);

    // Past 90 days: both, by two runs at once, each once.
    const runs = await Promise.all([run(eraseDue), run(eraseDue)]);
    expect(runs.reduce((n, r) => n + Number(r.customersErased), 0)).toBe(2);
    expect(await erasedIds()).toEqual([ended.customerId, terminated.customerId].sort());
    const entries = await t.db.prisma.auditLog.findMany({ where: { action: "customer.erased" } });
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e).toMatchObject({ actorType: "system", actorId: "scheduler", outcome: "succeeded" });
    const erased = await t.db.prisma.customer.findUniqueOrThrow({ where: { id: ended.customerId } });
    expect(erased.erasedAt?.toISOString()).toBe(eraseDue.toISOString());
    expect(erased.email).toBe(`erased-${ended.customerId}@erased.invalid`);

    // The live tenant's customer is untouched, even much later; nothing is erased twice.
    expect(await run(new Date(endedAt + 400 * DAY))).toMatchObject({ customersErased: 0 });
    expect((await t.db.prisma.customer.findUniqueOrThrow({ where: { id: live.customerId } })).erasedAt).toBeNull();
    expect(await t.db.prisma.auditLog.count({ where: { action: "customer.erased" } })).toBe(2);
  });

  it("counts from the customer's LAST tenant to end", async () => {
    const first = await signUp();
    await endTenant(first.id, "tenant.destroyed");
    // A second tenant of the same customer, ended later (written as a returning customer's would be).
    const second = await t.db.prisma.tenant.create({
      data: { slug: `second-${randomUUID().slice(0, 8)}`, customerId: first.customerId, statusToken: randomUUID(), actualState: "active" },
    });
    expect(await run(new Date(Date.now() + 200 * DAY))).toMatchObject({ customersErased: 0 });
    await endTenant(second.id, "tenant.terminated");
    const endedAt = Date.now();
    expect(await run(new Date(endedAt + 80 * DAY))).toMatchObject({ customersErased: 0 });
    expect(await run(new Date(endedAt + 91 * DAY))).toMatchObject({ customersErased: 1 });
    expect((await t.db.prisma.customer.findUniqueOrThrow({ where: { id: first.customerId } })).erasedAt).not.toBeNull();
  });

  it("prunes the scheduler's run history past 30 days, never a run still due, never today's for a future date", async () => {
    const now = Date.now();
    const runAt = async (task: string, daysAgo: number, outcome: "succeeded" | "failed-retry" | "running") => {
      const started = new Date(now - daysAgo * DAY);
      const run = await claimRun(t.db.prisma, { task, periodKey: started.toISOString(), asOf: started, now: started, owner: "test", leaseMs: 60_000 });
      if (outcome === "succeeded") await finishRun(t.db.prisma, run!, started, { status: "succeeded", summary: {} });
      if (outcome === "failed-retry") await finishRun(t.db.prisma, run!, started, { status: "failed", error: "x", retryAt: new Date(now + DAY) });
    };
    await runAt("old-done", 40, "succeeded");
    await runAt("old-retrying", 40, "failed-retry");
    await runAt("old-running", 40, "running");
    await runAt("recent", 1, "succeeded");
    // Trying a date 100 days ahead counts back from today, not from that date.
    const summary = await run(new Date(now + 100 * DAY));
    expect(summary.runsPruned).toBe(1);
    const left = (await t.db.prisma.scheduledRun.findMany({ select: { task: true } })).map((r) => r.task).sort();
    expect(left).toEqual(["old-retrying", "old-running", "recent"]);
  });
});
