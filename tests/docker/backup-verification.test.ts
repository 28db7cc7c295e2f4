// Verified restores of tenant backups (issue 13, must-show 3) on the real Docker engine: a tenant
// is provisioned and rows are written in its database; the scheduler's queuing pass gives it a
// `scheduled` backup; that file is truncated on disk, and the backup-verification task (run
// directly, as the scheduler runs it) marks the backup failed with the reason and raises an
// operator alert, delivered to a webhook receiver (signed JSON). A sound backup then verifies in a
// temporary stack (verify-<id8>: the database service alone) whose row counts match those
// recorded, and a backup whose recorded counts disagree with its dump fails on them; in both
// cases nothing of the temporary stack is left on the engine.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { requestTenantBackup, systemClock, waitForJob, type NotificationSender, type Worker } from "../../orchestrator/index.ts";
import { requestJob } from "../../orchestrator/jobs/job-requests.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { verifyWebhookSignature, type GenericPayload } from "../../orchestrator/notify/formats.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { queueScheduledBackups } from "../../orchestrator/tenant-backup/schedule.ts";
import { DEFAULT_BACKUP_SCHEDULE } from "../../orchestrator/tenant-backup/schedule-settings.ts";
import { verifyProjectName } from "../../orchestrator/tenant-backup/verify-stack.ts";
import { backupVerificationTask } from "../../orchestrator/tenant-backup/verify-task.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator, LOCAL_TEMPLATE_VALUES, TEMPLATES_DIR } from "../support/engine-orchestrator.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { tenantPsql } from "../support/tenant-psql.ts";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const driver = createDockerDriver({ docker });
const PORTS = { first: 48100, last: 48199 };
const SECRET = randomBytes(32).toString("hex");

describe("scheduled verification of tenant backups, on the Docker engine", () => {
  let database: TestDatabase;
  let scratch: string;
  let backupsDir: string;
  let worker: Worker | null = null;
  let sender: NotificationSender | null = null;
  let receiver: WebhookReceiver;
  let deps: SchedulerDeps;
  const secretKey = randomBytes(32);
  const backupKey = randomBytes(32);
  const { logger, lines: logLines } = capturingLogger();
  const company = `E Verify ${randomBytes(3).toString("hex")}`;
  const tenantIds: string[] = [];
  const verifyProjects: string[] = [];
  let slug = "";

  const prisma = () => database.db.prisma;

  const psql = (sql: string) => tenantPsql(driver, slug, sql);

  async function jobEnds(jobId: string) {
    const outcome = await waitForJob(prisma(), jobId, systemClock, { timeoutMs: 300_000, pollMs: 250 });
    if (outcome.status !== "succeeded") throw new Error(`job ${outcome.status}: ${outcome.lastError ?? ""}\n${logLines.slice(-20).join("\n")}`);
  }

  async function until<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logLines.slice(-20).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Everything on the engine of a compose project, or named after it. */
  async function engineLeftovers(project: string): Promise<string[]> {
    const label = { label: [`com.docker.compose.project=${project}`] };
    const containers = await docker.listContainers({ all: true, filters: label });
    const named = await docker.listContainers({ all: true, filters: { name: [project] } });
    const networks = await docker.listNetworks({ filters: label });
    const volumes = (await docker.listVolumes({ filters: label })).Volumes ?? [];
    return [...containers, ...named].map((c) => `container ${c.Names[0]}`).concat(networks.map((n) => `network ${n.Name}`), volumes.map((v) => `volume ${v.Name}`));
  }

  /** The task as the scheduler runs it, as of now. */
  async function runVerification() {
    const task = backupVerificationTask(deps, { verifyPerRun: 3 });
    const asOf = new Date();
    return task.run({ asOf, periodStart: task.period.startOf(asOf), runId: "test", signal: new AbortController().signal, logger });
  }

  async function latestBackup() {
    return prisma().tenantBackup.findFirstOrThrow({ where: { tenantId: tenantIds[0] }, orderBy: { createdAt: "desc" } });
  }

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    receiver = await startWebhookReceiver();
    scratch = await mkdtemp(path.join(tmpdir(), "tenantry-e-verify-"));
    backupsDir = path.join(scratch, "backups");
    const orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: PORTS,
      mailboxDir: path.join(scratch, "mailbox"),
      secretKey,
      timeoutMs: 300_000,
      tenantBackups: { dir: backupsDir, key: backupKey },
      notify: { mode: "send", emails: [], webhook: { url: receiver.url, format: "json", secret: SECRET }, vendorName: "Acme Cloud", locale: "en" },
    });
    worker = orchestrator.startWorker();
    sender = orchestrator.startNotificationSender();
    // The task's own dependencies, as createOrchestrator builds them.
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
      tenantBackups: { dir: backupsDir, key: () => backupKey },
      time: defaultTimeSettings(),
      notify: { mode: "send", emails: [], vendorName: "Acme Cloud", locale: "en" },
    };
  });

  afterAll(async () => {
    await sender?.stop();
    await worker?.stop();
    await removeTenantsFromEngine(tenantIds);
    for (const project of verifyProjects) await driver.remove(project, { removeVolumes: true }).catch(() => {});
    await receiver?.stop();
    await database?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("a tenant is provisioned, rows are written, and the schedule's pass gives it one scheduled backup", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantIds.push(tenant.id);
    slug = tenant.slug;
    expect(slug.startsWith("e-verify-")).toBe(true);
    await jobEnds(tenant.jobs[0]!.id);
    await psql("CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL); INSERT INTO notes VALUES (1, 'one'), (2, 'two'), (3, 'three')");

    const pass = await queueScheduledBackups(prisma(), DEFAULT_BACKUP_SCHEDULE, new Date());
    expect(pass).toMatchObject({ due: 1, queued: 1 });
    const scheduled = await prisma().scheduledBackup.findFirstOrThrow({ where: { tenantId: tenant.id } });
    await jobEnds(scheduled.jobId);
    const backup = await latestBackup();
    expect(backup).toMatchObject({ reason: "scheduled", status: "succeeded", verifyStatus: null });
    expect(backup.rowCounts).toMatchObject({ "public.notes": 3, "public.users": 1 });
  });

  it("the scheduled backup's file truncated on disk: the verification marks it failed with the reason and the operators' webhook gets the alert", async () => {
    const backup = await latestBackup();
    verifyProjects.push(verifyProjectName(backup.id));
    const file = path.join(backupsDir, backup.fileName!);
    const whole = await readFile(file);
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    expect((await stat(file)).size).toBeLessThan(whole.length);

    expect(await runVerification()).toEqual({ verified: 1, passed: 0, failed: 1 });
    const checked = await prisma().tenantBackup.findUniqueOrThrow({ where: { id: backup.id } });
    expect(checked.verifyStatus).toBe("failed");
    expect(checked.verifiedAt).not.toBeNull();
    expect(checked.verifyError).toMatch(/damaged \(truncated or altered\)|truncated/);
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { tenantId: backup.tenantId, action: "tenant.backup_verify_failed" } });
    expect(audit).toMatchObject({ outcome: "failed", actorType: "system" });
    expect(audit.details).toMatchObject({ backupId: backup.id });

    const notification = await until("the alert to be delivered", async () => {
      const row = await prisma().operatorNotification.findUnique({ where: { idempotencyKey: `alert.backup_verification_failed:${backup.id}` } });
      return row?.status === "sent" ? row : null;
    });
    expect(notification).toMatchObject({ kind: "alert.backup_verification_failed", severity: "critical" });
    const posts = receiver.requests.filter((request) => request.headers["x-tenantry-delivery"] === notification.id);
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    expect(verifyWebhookSignature(SECRET, post.headers["x-tenantry-timestamp"] as string, post.body, post.headers["x-tenantry-signature"] as string)).toBe(true);
    const body = JSON.parse(post.body) as GenericPayload;
    expect(body).toMatchObject({ kind: "alert.backup_verification_failed", title: `Acme Cloud: A backup of tenant ${slug} failed its restore check`, fields: { tenant: slug, backupId: backup.id } });
    expect(body.text).toContain("checksum does not match");

    // A second run does not verify it again, nor alert twice.
    expect(await runVerification()).toEqual({ verified: 0, passed: 0, failed: 0 });
    expect(await prisma().operatorNotification.count({ where: { kind: "alert.backup_verification_failed" } })).toBe(1);
    expect(await engineLeftovers(verifyProjectName(backup.id))).toEqual([]);
  });

  it("a sound backup verifies in a temporary stack (row counts match), and the temporary stack is gone afterwards", async () => {
    const { jobId } = await requestTenantBackup(prisma(), slug, { requestedBy: "operator", actorType: "operator" });
    await jobEnds(jobId);
    const backup = await latestBackup();
    const project = verifyProjectName(backup.id);
    verifyProjects.push(project);
    expect(await runVerification()).toEqual({ verified: 1, passed: 1, failed: 0 });
    const checked = await prisma().tenantBackup.findUniqueOrThrow({ where: { id: backup.id } });
    expect(checked).toMatchObject({ verifyStatus: "passed", verifyError: null });
    const audit = await prisma().auditLog.findFirstOrThrow({ where: { tenantId: backup.tenantId, action: "tenant.backup_verified" } });
    // Every table recorded at backup time found in the temporary stack with its count: notes (3) and users (1).
    expect(audit.details).toMatchObject({ backupId: backup.id, tables: 2, rows: 4 });
    expect(await engineLeftovers(project)).toEqual([]);
    // The tenant itself was not touched.
    expect(await psql("SELECT count(*) FROM notes")).toBe("3");
  });

  it("a backup whose dump disagrees with the counts recorded for it fails on them, and its temporary stack is removed too", async () => {
    const { jobId } = await requestTenantBackup(prisma(), slug, { requestedBy: "operator", actorType: "operator" });
    await jobEnds(jobId);
    const backup = await latestBackup();
    const project = verifyProjectName(backup.id);
    verifyProjects.push(project);
    await prisma().tenantBackup.update({ where: { id: backup.id }, data: { rowCounts: { "public.notes": 99, "public.users": 1, "public.gone": 5 } } });
    expect(await runVerification()).toEqual({ verified: 1, passed: 0, failed: 1 });
    const checked = await prisma().tenantBackup.findUniqueOrThrow({ where: { id: backup.id } });
    expect(checked.verifyStatus).toBe("failed");
    expect(checked.verifyError).toBe("The restored database lacks table(s) public.gone recorded at backup time.");
    await prisma().tenantBackup.update({ where: { id: backup.id }, data: { verifyStatus: null, rowCounts: { "public.notes": 99, "public.users": 1 } } });
    expect(await runVerification()).toEqual({ verified: 1, passed: 0, failed: 1 });
    expect((await prisma().tenantBackup.findUniqueOrThrow({ where: { id: backup.id } })).verifyError).toBe(
      "Row counts differ from those recorded at backup time: public.notes 3 instead of 99.",
    );
    expect(await engineLeftovers(project)).toEqual([]);
  });

  it("a scheduled backup whose tenant was suspended after it was queued ends without a backup, not failed; the schedule skips a suspended tenant", async () => {
    const tenantId = tenantIds[0]!;
    const system = { actorType: "system", actorId: "test", outcome: "queued" } as const;
    const suspend = await requestJob(prisma(), { tenantId, kind: "suspend", requestedBy: "test", audit: { ...system, action: "admin.suspend" } });
    await jobEnds(suspend);
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).actualState).toBe("suspended");
    const before = await prisma().tenantBackup.count({ where: { tenantId } });
    const late = await requestJob(prisma(), { tenantId, kind: "backup", requestedBy: "scheduler", parameters: { reason: "scheduled" }, audit: { ...system, action: "admin.backup" } });
    await jobEnds(late);
    expect(await prisma().tenantBackup.count({ where: { tenantId } })).toBe(before);
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).progress).toBeNull();
    expect(await queueScheduledBackups(prisma(), DEFAULT_BACKUP_SCHEDULE, new Date(Date.now() + 86_400_000))).toMatchObject({ due: 0, queued: 0 });
  });
});
