// Backups of the portal's own database, on PostgreSQL and on PGlite: a database with customers,
// tenants, audit entries, a sealed secret, a job and a scheduled run is backed up and restored into
// a fresh database, and every table's rows are equal (compared as PostgreSQL's own JSON of each
// row). The file shows no customer's data (not even gunzipped). A truncated file, a flipped byte,
// a file sealed under another key and a non-empty target are refused with a message saying what
// to do, the target unchanged; --force replaces; a retired key given to the restore opens its
// backup. The daily task writes one backup per day however many schedulers ask, and deletes the
// backups older than the retention.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock, type Clock } from "../../orchestrator/clock.ts";
import { keyFingerprint, SecretBox, tenantSecret } from "../../orchestrator/secrets.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { listTables, quoteIdent } from "../../orchestrator/portal-backup/catalog.ts";
import { backupFileName, writePortalBackup } from "../../orchestrator/portal-backup/backup.ts";
import { listPortalBackups } from "../../orchestrator/portal-backup/list.ts";
import { portalBackupTask } from "../../orchestrator/portal-backup/portal-backup-task.ts";
import { restorePortalBackup } from "../../orchestrator/portal-backup/restore.ts";
import { runDueTasks } from "../../orchestrator/scheduler/scheduler.ts";
import { requestJob } from "../../orchestrator/jobs/job-requests.ts";
import { readMigrations, type MigrationFile } from "../../prisma/migrate.ts";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createPostgresDatabase, createTestDatabase, testDatabaseKind, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
const key = randomBytes(32);
let source: TestDatabase;
let dir: string;
const people: { email: string; lastName: string; company: string }[] = [];
const opened: TestDatabase[] = [];
const cleanups: (() => Promise<void>)[] = [];

const at = (date: Date): Clock => ({ now: () => date, sleep: systemClock.sleep });

async function fresh(): Promise<TestDatabase> {
  const t = await createTestDatabase();
  opened.push(t);
  return t;
}

/** A database no migration has touched yet. */
async function unmigrated(): Promise<Database> {
  if (testDatabaseKind() === "postgres") {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: created.url, embeddedDir: "unused" });
    cleanups.push(async () => {
      await db.close();
      await created.drop();
    });
    return db;
  }
  const folder = await mkdtemp(path.join(tmpdir(), "tenantry-test-"));
  const db = await openDatabase({ embeddedDir: path.join(folder, "pglite") });
  cleanups.push(async () => {
    await db.close();
    await rm(folder, { recursive: true, force: true });
  });
  return db;
}

async function restore(target: Database, file: string, options: { force?: boolean; key?: Buffer; migrations?: MigrationFile[] } = {}) {
  const migrations = options.migrations ?? (await readMigrations());
  return restorePortalBackup({
    prisma: target.prisma,
    file,
    secretKey: options.key ?? key,
    codeMigrations: migrations.map((m) => m.name),
    migrate: async (names) => void (await target.migrate(migrations.filter((m) => names.includes(m.name)))),
    force: options.force ?? false,
  });
}

/** Every table's rows as PostgreSQL writes them in JSON, in primary-key order (the restore's audit entry left out). */
async function snapshot(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await listTables(db.prisma)) {
    const order = table.primaryKey.length ? ` ORDER BY ${table.primaryKey.map(quoteIdent).join(", ")}` : "";
    const where = table.name === "AuditLog" ? ` WHERE action NOT IN ('portal.restored', 'portal.backup_written')` : "";
    const rows = await db.prisma.$queryRawUnsafe<{ j: string }[]>(`SELECT row_to_json(t)::text AS j FROM ${quoteIdent(table.name)} t${where}${order}`);
    out[table.name] = rows.map((r) => r.j);
  }
  return out;
}

async function customerCount(db: Database) {
  return db.prisma.customer.count();
}

beforeAll(async () => {
  source = await fresh();
  dir = await mkdtemp(path.join(tmpdir(), "tenantry-portal-backups-"));
  const box = new SecretBox(key);
  for (let i = 0; i < 3; i++) {
    const data = signupData({ lastName: `Backupson${randomUUID().slice(0, 6)}`, company: `Zebulon ${randomUUID().slice(0, 6)}` });
    const outcome = await registerTrialSignup(source.db.prisma, data, signupContext());
    if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
    people.push({ email: data.email, lastName: data.lastName, company: data.company });
    const tenant = await source.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } });
    await tenantSecret(source.db.prisma, box, tenant.id, "db-password", () => "s3cret-value-" + i);
    await source.db.prisma.$transaction((tx) => requestJob(tx, { tenantId: tenant.id, kind: "restart", requestedBy: "test", audit: { actorType: "system", actorId: "test", action: "admin.restart", outcome: "queued" } }));
  }
  // A scheduled run and a text holding a newline and quotes, which must survive as they are.
  await source.db.prisma.scheduledRun.create({
    data: { task: "usage", periodKey: "2026-12-01T00:00:00.000Z", asOf: new Date(), startedAt: new Date(), finishedAt: new Date(), status: "succeeded", summary: { note: 'a "quoted"\nline', n: 12345678901234 } },
  });
}, 120_000);

afterAll(async () => {
  for (const t of opened) await t.dispose().catch(() => undefined);
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("portal database backup and restore", () => {
  let file: string;

  it("restores into a fresh database with every table's rows equal, and audits the restore", async () => {
    const report = await writePortalBackup({ prisma: source.db.prisma, secretKey: key, clock: systemClock, dir });
    file = report.file;
    expect(report.rows).toBeGreaterThan(10);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(path.basename(file)).toMatch(/^\d{8}T\d{6}\.\d{3}Z\.tenantry-backup$/);

    const target = await fresh();
    const restored = await restore(target.db, file);
    expect(restored.rows).toBe(report.rows);
    const [before, after] = [await snapshot(source.db), await snapshot(target.db)];
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
    expect(before.Customer).toHaveLength(3);
    expect(before.TenantSecret).toHaveLength(3);
    expect(before._prisma_migrations!.length).toBeGreaterThan(3);
    // The sealed secret still opens with the key, and new rows get fresh ids after the restored ones.
    const tenant = await target.db.prisma.tenant.findFirstOrThrow();
    expect(await tenantSecret(target.db.prisma, new SecretBox(key), tenant.id, "db-password", () => "never")).toMatch(/^s3cret-value-\d$/);
    const audit = await target.db.prisma.auditLog.findFirstOrThrow({ where: { action: "portal.restored" } });
    expect(audit.actorId).toBe("operator");
    const maxBefore = await source.db.prisma.auditLog.aggregate({ _max: { id: true } });
    expect(audit.id).toBeGreaterThan(maxBefore._max.id!);
  }, 120_000);

  it("holds no customer's data in plain text, not even gunzipped", async () => {
    const raw = await readFile(file);
    const text = raw.toString("latin1");
    for (const person of people) {
      expect(text).not.toContain(person.email);
      expect(text).not.toContain(person.lastName);
      expect(text).not.toContain(person.company);
    }
    expect(() => gunzipSync(raw)).toThrow();
    const body = raw.subarray(raw.indexOf(0x0a, raw.indexOf(0x0a) + 1) + 1);
    expect(() => gunzipSync(body)).toThrow();
    const [listing] = await listPortalBackups(dir);
    expect(listing).toMatchObject({ file, keyFingerprint: keyFingerprint(key) });
  });

  it("refuses a truncated file and a flipped byte, saying so, the target unchanged", async () => {
    const target = await fresh();
    await restore(target.db, file);
    const before = await snapshot(target.db);
    const raw = await readFile(file);
    const truncated = path.join(dir, "truncated.tenantry-backup");
    await writeFile(truncated, raw.subarray(0, raw.length - 200));
    await expect(restore(target.db, truncated, { force: true })).rejects.toThrow(/damaged \(truncated or altered\).*Nothing was changed/);
    const flipped = path.join(dir, "flipped.tenantry-backup");
    const copy = Buffer.from(raw);
    copy[Math.floor(copy.length * 0.6)]! ^= 0x01;
    await writeFile(flipped, copy);
    await expect(restore(target.db, flipped, { force: true })).rejects.toThrow(/damaged \(truncated or altered\)/);
    // Altered with its checksum made to match again: the key's tag refuses it.
    const { createHash } = await import("node:crypto");
    const resealed = Buffer.concat([copy.subarray(0, copy.length - 32), createHash("sha256").update(copy.subarray(0, copy.length - 32)).digest()]);
    await writeFile(flipped, resealed);
    await expect(restore(target.db, flipped, { force: true })).rejects.toThrow(/cannot be authenticated with this key, or is damaged/);
    expect(await snapshot(target.db)).toEqual(before);
  }, 120_000);

  it("refuses a file sealed under another key, naming the key it needs; that key given, it restores", async () => {
    const target = await fresh();
    const otherKey = randomBytes(32);
    await expect(restore(target.db, file, { key: otherKey })).rejects.toThrow(
      new RegExp(`sealed with the secrets key ${keyFingerprint(key)}.*--key-file.*retired-keys/${keyFingerprint(key)}\\.key`),
    );
    expect(await customerCount(target.db)).toBe(0);
    await restore(target.db, file, { key });
    expect(await customerCount(target.db)).toBe(3);
  }, 120_000);

  it("refuses a database holding data without --force, and replaces it with --force", async () => {
    const target = await fresh();
    const here = signupData({ company: "Already Here" });
    const outcome = await registerTrialSignup(target.db.prisma, here, signupContext());
    expect(outcome.kind).toBe("created");
    await expect(restore(target.db, file)).rejects.toThrow(/holds data \(\d+ rows\).*--force.*Nothing was changed/);
    expect(await target.db.prisma.customer.count({ where: { email: here.email } })).toBe(1);
    const report = await restore(target.db, file, { force: true });
    expect(report.replacedRows).toBeGreaterThan(0);
    const [before, after] = [await snapshot(source.db), await snapshot(target.db)];
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
  }, 120_000);

  it("restores into a database at earlier migrations, and into one at later migrations (dropped, then migrated)", async () => {
    const migrations = await readMigrations();
    const behind = await unmigrated();
    await behind.migrate(migrations.slice(0, -2));
    await restore(behind, file);
    expect(await snapshot(behind)).toEqual(await snapshot(source.db));

    // Code one migration ahead of the backup, and a target already at it: it cannot be migrated
    // back, so (empty) it is dropped, brought to the backup's migrations, loaded, then migrated on.
    const future: MigrationFile = { name: "29991231000000_future", sql: `CREATE TABLE "Future" ("id" INTEGER PRIMARY KEY);`, checksum: "f".repeat(64) };
    const ahead = await unmigrated();
    await ahead.migrate([...migrations, future]);
    const report = await restore(ahead, file, { migrations: [...migrations, future] });
    expect(report.migratedAfter).toEqual([future.name]);
    const after = await snapshot(ahead);
    expect(after.Future).toEqual([]);
    for (const [table, rows] of Object.entries(await snapshot(source.db))) expect(after[table], table).toEqual(table === "_prisma_migrations" ? expect.arrayContaining(rows) : rows);
  }, 120_000);
});

describe("the daily portal-backup task", () => {
  it("deletes backups older than the retention and keeps newer ones", async () => {
    const taskDir = await mkdtemp(path.join(tmpdir(), "tenantry-portal-daily-"));
    try {
      const now = new Date("2027-03-10T02:00:05.000Z");
      for (const days of [45, 31, 29, 1]) {
        await writePortalBackup({ prisma: source.db.prisma, secretKey: key, clock: at(new Date(now.getTime() - days * DAY)), dir: taskDir });
      }
      await writeFile(path.join(taskDir, "notes.txt"), "not a backup");
      const task = portalBackupTask({ prisma: source.db.prisma, clock: at(now), secretKey: () => key, settings: { dir: taskDir, retentionDays: 30 } });
      const summary = await task.run({ asOf: now, periodStart: now, runId: "r", signal: new AbortController().signal, logger: silentLogger });
      expect(summary.deleted).toBe(2);
      expect((await readdir(taskDir)).sort()).toEqual(
        ["notes.txt", ...[29, 1, 0].map((days) => backupFileName(new Date(now.getTime() - days * DAY)))].sort(),
      );
    } finally {
      await rm(taskDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("seals with the key the process encrypts with now: after it learns of a rotation, the new one", async () => {
    const taskDir = await mkdtemp(path.join(tmpdir(), "tenantry-portal-daily-"));
    try {
      const box = new SecretBox(key);
      const newKey = randomBytes(32);
      const now = new Date("2027-05-01T02:00:05.000Z");
      const task = portalBackupTask({ prisma: source.db.prisma, clock: at(now), secretKey: () => box.currentKey(), settings: { dir: taskDir, retentionDays: 30 } });
      box.switchTo(newKey);
      await task.run({ asOf: now, periodStart: now, runId: "r", signal: new AbortController().signal, logger: silentLogger });
      const [listed] = await listPortalBackups(taskDir);
      expect(listed?.keyFingerprint).toBe(keyFingerprint(newKey));
      expect(listed?.keyFingerprint).not.toBe(keyFingerprint(key));
    } finally {
      await rm(taskDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("writes one backup per day however many schedulers run it", async () => {
    const taskDir = await mkdtemp(path.join(tmpdir(), "tenantry-portal-daily-"));
    try {
      const day = new Date("2027-04-02T02:00:10.000Z");
      const task = portalBackupTask({ prisma: source.db.prisma, clock: at(day), secretKey: () => key, settings: { dir: taskDir, retentionDays: 30 } });
      const options = { prisma: source.db.prisma, clock: at(day), logger: silentLogger, tasks: [task] };
      const reports = await Promise.all([runDueTasks(options, day, "a"), runDueTasks(options, day, "b"), runDueTasks(options, day, "c")]);
      expect(reports.flat().filter((r) => r.outcome === "succeeded")).toHaveLength(1);
      const later = new Date(day.getTime() + 6 * 3_600_000);
      await runDueTasks({ ...options, clock: at(later) }, later, "d");
      expect(await readdir(taskDir)).toHaveLength(1);
      const next = new Date(day.getTime() + DAY);
      const nextTask = portalBackupTask({ prisma: source.db.prisma, clock: at(next), secretKey: () => key, settings: { dir: taskDir, retentionDays: 30 } });
      await runDueTasks({ ...options, clock: at(next), tasks: [nextTask] }, next, "e");
      expect(await readdir(taskDir)).toHaveLength(2);
    } finally {
      await rm(taskDir, { recursive: true, force: true });
    }
  }, 120_000);
});
