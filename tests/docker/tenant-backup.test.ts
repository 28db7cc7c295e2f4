// Tenant backups and restores (issue 13, must-show 1 and 2) on the real Docker engine, in one
// process: a tenant signs up and is provisioned, rows are written in its database (psql through
// driver.exec), a backup job streams its dump out, gzipped and sealed; the rows are deleted and a
// restore in place brings them back; a restore into a new tenant gives a second running stack with
// the same rows. The backup file holds no plaintext (nor does gunzip of it); it restores only with
// its key (another key is refused, naming it), and a file with one byte flipped is refused with a
// clear message, the tenant's rows unchanged; a restore whose dump fails to load puts the
// pre-restore backup back.
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import {
  listTenantBackups,
  requestTenantBackup,
  requestTenantRestore,
  systemClock,
  waitForJob,
  type Orchestrator,
  type Worker,
} from "../../orchestrator/index.ts";
import { TENANT_BACKUP_EXTENSION, writeBackupFile } from "../../orchestrator/tenant-backup/format.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { repoRoot } from "../support/portal.ts";
import { LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { tenantPsql } from "../support/tenant-psql.ts";

const run = promisify(execFile);
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const driver = createDockerDriver({ docker: new Docker({ socketPath: "/var/run/docker.sock" }) });

describe("tenant backups and restores, on the Docker engine", () => {
  let database: TestDatabase;
  let scratch: string;
  let backupsDir: string;
  let orchestrator: Orchestrator;
  let worker: Worker | null = null;
  const secretKey = randomBytes(32);
  const backupKey = randomBytes(32);
  const { logger, lines: logLines } = capturingLogger();
  const company = `D Backup ${randomBytes(3).toString("hex")}`;
  const marker = `d-row-${randomBytes(6).toString("hex")}`;
  const tenantIds: string[] = [];
  let slug = "";
  let firstBackupId = "";

  const prisma = () => database.db.prisma;

  const psql = (tenantSlug: string, sql: string) => tenantPsql(driver, tenantSlug, sql);
  const notes = (tenantSlug: string) => psql(tenantSlug, "SELECT string_agg(id || ':' || body, ',' ORDER BY id) FROM notes");

  /** Waits for the job; a job that does not end as expected is reported with its steps and the log. */
  async function jobEnds(jobId: string, expected: "succeeded" | "failed" = "succeeded") {
    const outcome = await waitForJob(prisma(), jobId, systemClock, { timeoutMs: 300_000, pollMs: 250 });
    const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
    if (outcome.status !== expected) {
      const steps = job.steps.map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n  ");
      throw new Error(`${job.kind} job ${outcome.status}: ${outcome.lastError ?? ""}\n  ${steps}\n${logLines.slice(-20).join("\n")}`);
    }
    return job;
  }

  async function health(tenantId: string): Promise<number | "no answer"> {
    const lease = await prisma().portLease.findFirstOrThrow({ where: { tenantId } });
    return fetch(`http://127.0.0.1:${lease.port}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => "no answer" as const,
    );
  }

  async function startOrchestrator(key: Buffer): Promise<void> {
    await worker?.stop();
    orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: { first: 47900, last: 47999 },
      mailboxDir: path.join(scratch, "mailbox"),
      secretKey,
      timeoutMs: 300_000,
      tenantBackups: { dir: backupsDir, key },
    });
    worker = orchestrator.startWorker();
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    scratch = await mkdtemp(path.join(tmpdir(), "tenantry-d-backups-"));
    backupsDir = path.join(scratch, "backups");
    await startOrchestrator(backupKey);
  });

  afterAll(async () => {
    await worker?.stop();
    await removeTenantsFromEngine(tenantIds);
    await database?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("a tenant is provisioned and rows are written in its database", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantIds.push(tenant.id);
    slug = tenant.slug;
    expect(slug.startsWith("d-")).toBe(true);
    await jobEnds(tenant.jobs[0]!.id);
    await psql(slug, `CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL); INSERT INTO notes VALUES (1, '${marker} one'), (2, '${marker} two'), (3, '${marker} three')`);
    expect(await notes(slug)).toBe(`1:${marker} one,2:${marker} two,3:${marker} three`);
  });

  it("a backup streams the dump into a sealed file: recorded with size, checksum and exact row counts; no plaintext in it", async () => {
    const { jobId } = await requestTenantBackup(prisma(), slug, OPERATOR);
    await jobEnds(jobId);
    const [backup] = await listTenantBackups(prisma(), slug);
    expect(backup).toMatchObject({ reason: "manual", status: "succeeded", rowCounts: { "public.notes": 3, "public.users": 1 } });
    firstBackupId = backup!.id;
    const bytes = await readFile(path.join(backupsDir, backup!.fileName!));
    expect(backup!.sizeBytes).toBe(bytes.length);
    expect(backup!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(backup!.durationMs).toBeGreaterThanOrEqual(0);
    // Neither the file nor anything gunzip makes of it holds the rows' text.
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    expect(bytes.includes(Buffer.from("CREATE TABLE"))).toBe(false);
    let gunzipped: Buffer | null = null;
    try {
      gunzipped = gunzipSync(bytes);
    } catch {
      gunzipped = null;
    }
    expect(gunzipped?.includes(Buffer.from(marker)) ?? false).toBe(false);
    const audit = await prisma().auditLog.findFirst({ where: { tenantId: tenantIds[0], action: "tenant.backup_taken" } });
    expect(audit?.details).toMatchObject({ backupId: firstBackupId, reason: "manual" });
  });

  it("rows deleted, then a restore in place brings them back (a pre-restore backup first); the app answers", async () => {
    await psql(slug, "DELETE FROM notes WHERE id IN (1, 3)");
    expect(await notes(slug)).toBe(`2:${marker} two`);
    const { jobId } = await requestTenantRestore(prisma(), { slug, backupId: firstBackupId }, OPERATOR, systemClock);
    await jobEnds(jobId);
    expect(await notes(slug)).toBe(`1:${marker} one,2:${marker} two,3:${marker} three`);
    expect(await health(tenantIds[0]!)).toBe(200);
    const backups = await listTenantBackups(prisma(), slug);
    expect(backups.map((b) => b.reason)).toEqual(["pre-restore", "manual"]);
    expect(backups[0]!.rowCounts).toMatchObject({ "public.notes": 1 });
    const audit = await prisma().auditLog.findFirst({ where: { tenantId: tenantIds[0], action: "tenant.restored" } });
    expect(audit?.details).toMatchObject({ backupId: firstBackupId, preRestoreBackupId: backups[0]!.id, rowCountsMatch: true });
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantIds[0] } })).actualState).toBe("active");
  });

  it("a restore into a new tenant gives a second running stack holding the same rows (no credentials email)", async () => {
    const into = `d-copy-${randomBytes(3).toString("hex")}`;
    const { jobId, tenantId } = await requestTenantRestore(prisma(), { slug, backupId: firstBackupId, into }, OPERATOR, systemClock);
    tenantIds.push(tenantId);
    await jobEnds(jobId);
    const copy = await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { jobs: { orderBy: { createdAt: "asc" } } } });
    expect(copy).toMatchObject({ slug: into, actualState: "active", customerId: (await prisma().tenant.findUniqueOrThrow({ where: { slug } })).customerId });
    expect(copy.jobs.map((j) => `${j.kind}:${j.status}`)).toEqual(["provision:succeeded", "restore:succeeded"]);
    expect(await notes(into)).toBe(`1:${marker} one,2:${marker} two,3:${marker} three`);
    expect(await psql(into, "SELECT count(*) FROM users")).toBe("1");
    expect(await health(tenantId)).toBe(200);
    // Two stacks running side by side, the original untouched.
    expect(await notes(slug)).toBe(`1:${marker} one,2:${marker} two,3:${marker} three`);
    expect(await prisma().emailOutbox.count({ where: { tenantId } })).toBe(0);
  });

  it("npm run tenant, opening the PostgreSQL database itself: lists the backups, takes one (a worker runs while it waits)", async () => {
    const keyFile = path.join(scratch, "backup.key");
    await writeFile(keyFile, backupKey.toString("hex") + "\n", { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? "/tmp",
      ...LOCAL_IMAGES,
      DATA_DIR: path.join(scratch, "cli-data"),
      DATABASE_URL: database.url!,
      SECRETS_KEY: secretKey.toString("hex"),
      BACKUP_DIR: backupsDir,
      BACKUP_KEY_FILE: keyFile,
      TENANT_PORT_RANGE: "47900-47999",
    };
    const tenant = (...args: string[]) => run("npm", ["run", "--silent", "tenant", "--", ...args], { cwd: repoRoot, env, timeout: 300_000 });
    const listed = await tenant("backups", slug);
    expect(listed.stdout).toContain(`Backups of ${slug} (through the database), newest first:`);
    expect(listed.stdout).toContain(firstBackupId);
    const taken = await tenant("backup", slug);
    expect(taken.stdout).toMatch(/Done \(job [0-9a-f-]+\)\./);
    expect(taken.stdout).toMatch(/manual +succeeded/);
    const [latest] = await listTenantBackups(prisma(), slug);
    expect(latest).toMatchObject({ reason: "manual", status: "succeeded", rowCounts: { "public.notes": 3, "public.users": 1 } });
    const asked = await prisma().auditLog.findFirst({ where: { tenantId: tenantIds[0], action: "admin.backup", actorType: "operator" } });
    expect(asked).not.toBeNull();
  });

  it("restores only with its key: another key is refused, naming it, and nothing changes", async () => {
    await psql(slug, `INSERT INTO notes VALUES (4, '${marker} after the backup')`);
    const backupsBefore = (await listTenantBackups(prisma(), slug)).length;
    await startOrchestrator(randomBytes(32));
    try {
      const { jobId } = await requestTenantRestore(prisma(), { slug, backupId: firstBackupId }, OPERATOR, systemClock);
      const job = await jobEnds(jobId, "failed");
      expect(job.lastError).toMatch(/was made with another key \(fingerprint .*; the backup key in use is .*\): restore it with the backup key it was made with\. Nothing was changed\./);
      expect(job.steps.map((s) => `${s.name}:${s.status}`)[0]).toBe("verify:failed");
    } finally {
      await startOrchestrator(backupKey);
    }
    expect(await notes(slug)).toContain(`4:${marker} after the backup`);
    // Refused before its pre-restore backup: no backup was taken either.
    expect((await listTenantBackups(prisma(), slug)).length).toBe(backupsBefore);
    expect((await prisma().tenant.findUniqueOrThrow({ where: { slug } })).actualState).toBe("active");
  });

  it("a backup file with one byte flipped is refused with a clear message, the tenant's rows unchanged", async () => {
    const { jobId: backupJob } = await requestTenantBackup(prisma(), slug, OPERATOR);
    await jobEnds(backupJob);
    const [second] = await listTenantBackups(prisma(), slug);
    await psql(slug, `INSERT INTO notes VALUES (5, '${marker} after the second backup')`);
    const file = path.join(backupsDir, second!.fileName!);
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    await writeFile(file, bytes);
    const { jobId } = await requestTenantRestore(prisma(), { slug, backupId: second!.id }, OPERATOR, systemClock);
    const job = await jobEnds(jobId, "failed");
    expect(job.lastError).toMatch(/is damaged \(truncated or altered\): its checksum does not match\. Nothing was changed; use another backup\./);
    expect(await notes(slug)).toBe(
      `1:${marker} one,2:${marker} two,3:${marker} three,4:${marker} after the backup,5:${marker} after the second backup`,
    );
    expect(await health(tenantIds[0]!)).toBe(200);
    const failed = await prisma().auditLog.findFirst({ where: { tenantId: tenantIds[0], action: "tenant.restore_failed" }, orderBy: { at: "desc" } });
    expect(String((failed?.details as { reason?: string } | null)?.reason)).toContain("checksum does not match");
  });

  it("a restore whose dump does not load puts the pre-restore backup back: the rows as they were, the app answering", async () => {
    // A sound file (right key, checksums good) whose SQL fails halfway, after the database was dropped.
    const tenantId = tenantIds[0]!;
    const createdAt = new Date();
    const fileName = `${tenantId}-broken${TENANT_BACKUP_EXTENSION}`;
    const sql = "CREATE TABLE notes (id integer PRIMARY KEY, body text);\nINSERT INTO no_such_table VALUES (1);\n";
    const written = await writeBackupFile(backupsDir, fileName, Readable.from([Buffer.from(sql)]), backupKey, { tenantId, createdAt });
    const broken = await prisma().tenantBackup.create({
      data: { tenantId, reason: "manual", status: "succeeded", jobId: randomUUID(), fileName, sizeBytes: BigInt(written.sizeBytes), sha256: written.sha256, createdAt },
    });
    const before = await notes(slug);
    const { jobId } = await requestTenantRestore(prisma(), { slug, backupId: broken.id }, OPERATOR, systemClock);
    const job = await jobEnds(jobId, "failed");
    expect(job.lastError).toMatch(/The backup did not load .*relation "no_such_table" does not exist/);
    expect(job.steps.map((s) => `${s.name}:${s.status}`)).toEqual(expect.arrayContaining(["verify:succeeded", "pre-restore-backup:succeeded", "load:failed"]));
    expect(await notes(slug)).toBe(before);
    expect(await health(tenantId)).toBe(200);
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).actualState).toBe("active");
  });
});
