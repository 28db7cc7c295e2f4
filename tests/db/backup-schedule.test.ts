// Scheduled tenant backups against a real database (PostgreSQL and PGlite), as of given times:
// the queuing pass gives each active tenant one scheduled backup job per schedule period, however
// many passes run (at once or later), a few in flight at a time; retention deletes the backups it
// does not keep (file, row marked deleted, audited) once; a tenant without a recent backup raises
// one "no recent backup" alert per period; a plan's own schedule wins over the portal's.
import { randomUUID } from "node:crypto";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { alertStaleBackups, applyBackupRetention } from "../../orchestrator/tenant-backup/retention-task.ts";
import { queueScheduledBackups } from "../../orchestrator/tenant-backup/schedule.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
let t: TestDatabase;
let backupsDir: string;

beforeAll(async () => {
  t = await createTestDatabase();
  backupsDir = await mkdtemp(path.join(tmpdir(), "tenantry-e-backups-"));
});
afterAll(async () => {
  await t?.dispose();
  if (backupsDir) await rm(backupsDir, { recursive: true, force: true });
});

const prisma = () => t.db.prisma;

async function activeTenant() {
  const outcome = await registerTrialSignup(prisma(), signupData({ company: `E Sched ${randomUUID().slice(0, 8)}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, select: { id: true, slug: true } });
  // As if provisioned: its provision job done, the tenant active.
  await prisma().provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  await prisma().tenant.update({ where: { id: tenant.id }, data: { actualState: "active" } });
  return tenant;
}

async function scheduledJobs(tenantIds: string[]) {
  return prisma().provisioningJob.findMany({ where: { tenantId: { in: tenantIds }, kind: "backup" }, orderBy: { createdAt: "asc" } });
}

async function backupRow(tenantId: string, createdAt: Date, reason = "scheduled") {
  const fileName = `${tenantId}-${createdAt.getTime()}-${randomUUID().slice(0, 8)}.sql.gz.tbk`;
  await writeFile(path.join(backupsDir, fileName), "sealed");
  return prisma().tenantBackup.create({ data: { tenantId, reason, status: "succeeded", jobId: randomUUID(), fileName, createdAt, finishedAt: createdAt } });
}

const exists = (fileName: string) =>
  access(path.join(backupsDir, fileName)).then(
    () => true,
    () => false,
  );

describe(`scheduled tenant backups (${process.env.TEST_DB_KIND})`, () => {
  let tenants: { id: string; slug: string }[] = [];

  it("one scheduled backup per active tenant and period, whatever the passes; a new period gives new ones", async () => {
    tenants = [await activeTenant(), await activeTenant()];
    const ids = tenants.map((tenant) => tenant.id);
    const settings = { schedule: "daily" as const, maxInFlight: 10 };
    const morning = new Date("2027-01-05T02:10:00Z");
    const [first, second] = await Promise.all([queueScheduledBackups(prisma(), settings, morning), queueScheduledBackups(prisma(), settings, morning)]);
    expect(first.queued + second.queued).toBe(2);
    // Later the same day (the period runs from 02:00 to 02:00 UTC): nothing more.
    expect(await queueScheduledBackups(prisma(), settings, new Date("2027-01-06T01:59:00Z"))).toMatchObject({ due: 0, queued: 0 });
    const jobs = await scheduledJobs(ids);
    expect(jobs.map((job) => job.parameters)).toEqual([
      { reason: "scheduled", period: "2027-01-05T02:00:00.000Z" },
      { reason: "scheduled", period: "2027-01-05T02:00:00.000Z" },
    ]);
    expect(new Set(jobs.map((job) => job.tenantId))).toEqual(new Set(ids));
    const audit = await prisma().auditLog.count({ where: { tenantId: { in: ids }, action: "admin.backup", actorType: "system" } });
    expect(audit).toBe(2);
    // The next period: one more each.
    expect(await queueScheduledBackups(prisma(), settings, new Date("2027-01-06T02:00:00Z"))).toMatchObject({ queued: 2 });
    expect(await scheduledJobs(ids)).toHaveLength(4);
    // Off: nothing at all.
    expect(await queueScheduledBackups(prisma(), { schedule: "off", maxInFlight: 10 }, new Date("2027-01-07T02:00:00Z"))).toEqual({ due: 0, queued: 0, inFlight: 0 });
  });

  it("weekly: one per week; no more than maxInFlight queued or running at once", async () => {
    const ids = tenants.map((tenant) => tenant.id);
    const weekly = { schedule: "weekly" as const, maxInFlight: 1 };
    // Sunday 2027-01-10 02:00 UTC starts the week.
    expect(await queueScheduledBackups(prisma(), weekly, new Date("2027-01-10T03:00:00Z"))).toMatchObject({ due: 2, queued: 1, inFlight: 0 });
    expect(await queueScheduledBackups(prisma(), weekly, new Date("2027-01-11T03:00:00Z"))).toMatchObject({ due: 1, queued: 0, inFlight: 1 });
    const week = await prisma().scheduledBackup.findMany({ where: { periodKey: "2027-01-10T02:00:00.000Z" } });
    expect(week).toHaveLength(1);
    await prisma().provisioningJob.update({ where: { id: week[0]!.jobId }, data: { status: "succeeded" } });
    expect(await queueScheduledBackups(prisma(), weekly, new Date("2027-01-16T23:00:00Z"))).toMatchObject({ due: 1, queued: 1, inFlight: 0 });
    expect(await queueScheduledBackups(prisma(), weekly, new Date("2027-01-17T01:59:00Z"))).toMatchObject({ due: 0, queued: 0 });
    expect(await prisma().scheduledBackup.count({ where: { tenantId: { in: ids }, periodKey: "2027-01-10T02:00:00.000Z" } })).toBe(2);
  });

  it("retention deletes the backups it does not keep, file and row, once; the kept ones stay", async () => {
    const tenant = tenants[0]!;
    const days = Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2027, 1, 1 + i, 2)));
    const rows = [];
    for (const day of days) rows.push(await backupRow(tenant.id, day));
    const preUpgrade = await backupRow(tenant.id, new Date(Date.UTC(2027, 1, 2, 12)), "pre-upgrade");
    const deps = { prisma: prisma(), clock: systemClock, tenantBackups: { dir: backupsDir, key: () => Buffer.alloc(32) } };
    const policy = { daily: 7, weekly: 0, monthly: 0, fixedDays: 90 };
    const asOf = new Date(Date.UTC(2027, 1, 10, 3));
    const [a, b] = await Promise.all([applyBackupRetention(deps, policy, asOf), applyBackupRetention(deps, policy, asOf)]);
    expect(a + b).toBe(3);
    const after = await prisma().tenantBackup.findMany({ where: { tenantId: tenant.id, jobId: { in: [...rows, preUpgrade].map((r) => r.jobId) } }, orderBy: { createdAt: "asc" } });
    const deleted = after.filter((row) => row.status === "deleted").map((row) => row.id);
    expect(deleted).toEqual(rows.slice(0, 3).map((row) => row.id));
    for (const row of rows.slice(0, 3)) expect(await exists(row.fileName!)).toBe(false);
    for (const row of rows.slice(3)) expect(await exists(row.fileName!)).toBe(true);
    expect(await exists(preUpgrade.fileName!)).toBe(true);
    expect(after.filter((row) => row.status === "deleted").every((row) => row.deletedAt !== null)).toBe(true);
    expect(await prisma().auditLog.count({ where: { tenantId: tenant.id, action: "tenant.backup_deleted" } })).toBe(3);
    expect(await applyBackupRetention(deps, policy, asOf)).toBe(0);
  });

  it("a tenant with no finished backup in two schedule periods raises one alert per period; one with a recent backup does not", async () => {
    const [withBackups, without] = tenants;
    const long = new Date("2026-01-01T00:00:00Z");
    await prisma().tenant.updateMany({ where: { id: { in: [withBackups!.id, without!.id] } }, data: { createdAt: long } });
    const asOf = new Date(Date.UTC(2027, 1, 11, 3));
    await Promise.all([alertStaleBackups({ prisma: prisma() }, { schedule: "daily" }, asOf), alertStaleBackups({ prisma: prisma() }, { schedule: "daily" }, asOf)]);
    const alerts = await prisma().operatorNotification.findMany({ where: { kind: "alert.no_recent_backup" } });
    expect(alerts.map((alert) => alert.idempotencyKey)).toEqual([`alert.no_recent_backup:${without!.id}:2027-02-11T02:00:00.000Z`]);
    expect(alerts[0]!.payload).toMatchObject({ tenant: without!.slug, since: "2027-02-09T02:00:00.000Z", schedule: "daily", latestAt: null });
    // The next day: another one; with the schedule off: none.
    await alertStaleBackups({ prisma: prisma() }, { schedule: "daily" }, new Date(asOf.getTime() + DAY));
    await alertStaleBackups({ prisma: prisma() }, { schedule: "off" }, new Date(asOf.getTime() + 2 * DAY));
    expect(await prisma().operatorNotification.count({ where: { kind: "alert.no_recent_backup" } })).toBe(2);
  });

  it("a plan's own schedule wins over the portal's: backups and alerts follow each tenant's plan", async () => {
    const [daily, off] = [await activeTenant(), await activeTenant()];
    const planOf = { [daily.id]: "e-daily", [off.id]: "e-off" };
    for (const [tenantId, plan] of Object.entries(planOf)) {
      const { subscriptionId } = await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { subscriptionId: true } });
      await prisma().subscription.update({ where: { id: subscriptionId! }, data: { plan } });
    }
    // The portal's schedule is off; one plan backs its tenants up daily, the other says off.
    const settings = {
      schedule: "off" as const,
      maxInFlight: 10,
      scheduleOfPlan: (plan: string) => ({ "e-daily": "daily" as const, "e-off": "off" as const })[plan],
    };
    const asOf = new Date("2027-03-01T02:30:00Z");
    expect(await queueScheduledBackups(prisma(), settings, asOf)).toMatchObject({ due: 1, queued: 1 });
    expect((await scheduledJobs([daily.id, off.id])).map((job) => job.tenantId)).toEqual([daily.id]);
    expect(await queueScheduledBackups(prisma(), settings, asOf)).toMatchObject({ due: 0, queued: 0 });

    // Alerts: only the tenant whose plan schedules backups is expected to have one.
    await prisma().tenant.updateMany({ where: { id: { in: [daily.id, off.id] } }, data: { createdAt: new Date("2026-01-01T00:00:00Z") } });
    const before = await prisma().operatorNotification.count({ where: { kind: "alert.no_recent_backup" } });
    expect(await alertStaleBackups({ prisma: prisma() }, settings, new Date("2027-03-05T03:00:00Z"))).toBe(1);
    const raised = await prisma().operatorNotification.findMany({ where: { kind: "alert.no_recent_backup" }, orderBy: { createdAt: "asc" } });
    expect(raised).toHaveLength(before + 1);
    expect(raised.at(-1)!.payload).toMatchObject({ tenantId: daily.id, schedule: "daily" });
  });
});
