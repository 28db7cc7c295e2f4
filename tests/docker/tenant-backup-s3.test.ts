// Tenant backups to an S3-compatible bucket (issue 13) on the real Docker engine, the bucket being
// the S3 double (tests/s3-double/: no real S3 server can be installed here): a backup ends up as an
// object in the bucket and not in the local folder; rows deleted, a restore in place (the object
// downloaded to a temporary file, removed after) brings them back; the weekly verification task
// verifies the backup from the bucket in a temporary stack; retention deletes the objects too.
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { defaultTimeSettings, listTenantBackups, requestTenantBackup, requestTenantRestore, systemClock, waitForJob, type Worker } from "../../orchestrator/index.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { applyBackupRetention } from "../../orchestrator/tenant-backup/retention-task.ts";
import { S3BackupStore } from "../../orchestrator/tenant-backup/s3-destination.ts";
import { verifyProjectName } from "../../orchestrator/tenant-backup/verify-stack.ts";
import { backupVerificationTask } from "../../orchestrator/tenant-backup/verify-task.ts";
import { startS3Double, type S3Double } from "../s3-double/server.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator, LOCAL_TEMPLATE_VALUES, TEMPLATES_DIR } from "../support/engine-orchestrator.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { tenantPsql } from "../support/tenant-psql.ts";

const driver = createDockerDriver({ docker: new Docker({ socketPath: "/var/run/docker.sock" }) });
const PORTS = { first: 48000, last: 48099 };
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const KEY_ID = "AKIAMDOCKERDOUBLE01";

describe("tenant backups to an S3-compatible bucket (the S3 double), on the Docker engine", () => {
  let database: TestDatabase;
  let double: S3Double;
  let scratch: string;
  let backupsDir: string;
  let worker: Worker | null = null;
  let deps: SchedulerDeps;
  const secretKey = randomBytes(32);
  const backupKey = randomBytes(32);
  const s3Settings = () => ({ url: `${double.url}/m-bucket/tenants`, region: "us-east-1", accessKeyId: KEY_ID, secretAccessKey: randomBytes(16).toString("hex") });
  const { logger, lines: logLines } = capturingLogger();
  const company = `M Bucket ${randomBytes(3).toString("hex")}`;
  const marker = `m-row-${randomBytes(6).toString("hex")}`;
  const tenantIds: string[] = [];
  const verifyProjects: string[] = [];
  let slug = "";
  let backupId = "";

  const prisma = () => database.db.prisma;
  const psql = (sql: string) => tenantPsql(driver, slug, sql);
  const notes = () => psql("SELECT string_agg(id || ':' || body, ',' ORDER BY id) FROM notes");
  async function jobEnds(jobId: string) {
    const outcome = await waitForJob(prisma(), jobId, systemClock, { timeoutMs: 300_000, pollMs: 250 });
    if (outcome.status !== "succeeded") throw new Error(`job ${outcome.status}: ${outcome.lastError ?? ""}\n${logLines.slice(-20).join("\n")}`);
  }
  const bucketKeys = () => [...double.bucket("m-bucket").keys()].sort();

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    double = await startS3Double({ buckets: ["m-bucket"], accessKeyId: KEY_ID });
    scratch = await mkdtemp(path.join(tmpdir(), "tenantry-m-s3-"));
    backupsDir = path.join(scratch, "backups");
    const orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: PORTS,
      mailboxDir: path.join(scratch, "mailbox"),
      secretKey,
      timeoutMs: 300_000,
      tenantBackups: { dir: backupsDir, key: backupKey, s3: s3Settings() },
    });
    worker = orchestrator.startWorker();
    const template = (await loadTemplates(TEMPLATES_DIR)).get("demo")!;
    deps = {
      prisma: prisma(),
      driver,
      clock: systemClock,
      logger,
      secretBox: new SecretBox(secretKey),
      template,
      templateValues: LOCAL_TEMPLATE_VALUES,
      portRange: PORTS,
      bindAddress: "127.0.0.1",
      tenantUrl: "http://127.0.0.1:{port}",
      finalDumps: { dir: path.join(scratch, "dumps"), retentionDays: 90 },
      tenantBackups: { dir: backupsDir, key: () => backupKey, s3: new S3BackupStore(s3Settings()) },
      time: defaultTimeSettings(),
      notify: { mode: "mock", emails: [], vendorName: "Acme Cloud", locale: "en" },
    };
  });

  afterAll(async () => {
    await worker?.stop();
    await removeTenantsFromEngine(tenantIds);
    for (const project of verifyProjects) await driver.remove(project, { removeVolumes: true }).catch(() => {});
    await double?.close();
    await database?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("a backup with the bucket set is an object in the bucket, and not in the local folder", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantIds.push(tenant.id);
    slug = tenant.slug;
    expect(slug.startsWith("m-")).toBe(true);
    await jobEnds(tenant.jobs[0]!.id);
    await psql(`CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL); INSERT INTO notes VALUES (1, '${marker} one'), (2, '${marker} two')`);

    const { jobId } = await requestTenantBackup(prisma(), slug, OPERATOR);
    await jobEnds(jobId);
    const [backup] = await listTenantBackups(prisma(), slug);
    expect(backup).toMatchObject({ status: "succeeded", rowCounts: { "public.notes": 2 } });
    backupId = backup!.id;
    expect(bucketKeys()).toEqual([`tenants/${backup!.fileName}`]);
    const object = double.bucket("m-bucket").get(`tenants/${backup!.fileName}`)!;
    expect(object.body.length).toBe(backup!.sizeBytes);
    expect(object.body.includes(Buffer.from(marker))).toBe(false);
    expect(await readdir(backupsDir)).toEqual([]);
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { tenantId: tenant.id, action: "tenant.backup_taken" } });
    expect(audit.details).toMatchObject({ location: `s3://m-bucket/tenants/${backup!.fileName}` });
  });

  it("rows deleted, a restore in place from the bucket brings them back; no temporary file is left", async () => {
    await psql("DELETE FROM notes WHERE id = 2");
    expect(await notes()).toBe(`1:${marker} one`);
    const { jobId } = await requestTenantRestore(prisma(), { slug, backupId }, OPERATOR, systemClock);
    await jobEnds(jobId);
    expect(await notes()).toBe(`1:${marker} one,2:${marker} two`);
    expect(await readdir(backupsDir)).toEqual([]);
    // The pre-restore backup went to the bucket too.
    expect(bucketKeys()).toHaveLength(2);
    expect(double.calls.some((call) => call.operation === "GetObject")).toBe(true);
  });

  it("the verification task verifies the backup from the bucket in a temporary stack", async () => {
    const latest = await prisma().tenantBackup.findFirstOrThrow({ where: { tenantId: tenantIds[0] }, orderBy: { createdAt: "desc" } });
    verifyProjects.push(verifyProjectName(latest.id));
    const task = backupVerificationTask(deps, { verifyPerRun: 3 });
    const asOf = new Date();
    expect(await task.run({ asOf, periodStart: task.period.startOf(asOf), runId: "test", signal: new AbortController().signal, logger })).toEqual({ verified: 1, passed: 1, failed: 0 });
    expect(await prisma().tenantBackup.findUniqueOrThrow({ where: { id: latest.id } })).toMatchObject({ verifyStatus: "passed" });
    expect(await readdir(backupsDir)).toEqual([]);
  });

  it("retention deletes the objects of the backups it does not keep", async () => {
    const asOf = new Date(Date.now() + 400 * 24 * 60 * 60 * 1000);
    const deleted = await applyBackupRetention(deps, { daily: 0, weekly: 0, monthly: 0, fixedDays: 0 }, asOf);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const rows = await prisma().tenantBackup.findMany({ where: { tenantId: tenantIds[0] } });
    for (const row of rows.filter((r) => r.status === "deleted")) expect(bucketKeys()).not.toContain(`tenants/${row.fileName}`);
    for (const row of rows.filter((r) => r.status === "succeeded")) expect(bucketKeys()).toContain(`tenants/${row.fileName}`);
    expect(double.calls.some((call) => call.operation === "DeleteObject")).toBe(true);
  });
});
