// A trial's whole life on the real Docker engine, with TWO worker processes (`app/worker.ts`), each
// running the job worker, the mail sender and the scheduler against the same PostgreSQL database,
// and a shared test clock file that moves both through the weeks. A customer signs up and the
// tenant is provisioned; then the clock is moved: 7 days before the trial's end (the 7-day
// reminder), 1 day before (the 1-day one), the end (expired: containers stopped, the trial-ended
// email), the end + 31 days (terminated: a final dump written that decrypts and holds the users
// table, nothing of the tenant left on the engine, ports and secrets released, the customer told).
// After each step both schedulers run the task again in a later period, and every effect is
// checked to exist exactly once: audit entries, emails, jobs. The worker running the terminate job
// is killed right after its dump step's work (before the step is recorded): the other worker takes
// the job over, finds the dump written and goes on without writing it again.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { finalDumpFileName, readFinalDump } from "../../orchestrator/lifecycle/final-dump.ts";
import { everyMinutes } from "../../orchestrator/scheduler/periods.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { spawnPortal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createPostgresDatabase } from "../support/test-database.ts";
import { engineResourcesOf, LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;
const TRIAL_TASK_PERIOD = everyMinutes(15);

describe("a trial's life with two scheduler processes, on the Docker engine", () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let dataDir: string;
  let clockFile: string;
  const secretKey = randomBytes(32);
  const workers: ReturnType<typeof spawnPortal>[] = [];
  const company = `Trialrun ${randomBytes(3).toString("hex")}`;
  let tenantId: string | undefined;
  let subscriptionId: string;
  let trialEndsAt: Date;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = await openDatabase({ databaseUrl: database.url, embeddedDir: "unused" });
    await db.migrate();
    dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-trial-"));
    clockFile = path.join(dataDir, "clock-offset");
    await writeFile(clockFile, "0");
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      SECRETS_KEY: secretKey.toString("hex"),
      TENANTRY_TEST_CLOCK_FILE: clockFile,
      SCHEDULER: "true",
      SCHEDULER_POLL_SECONDS: "1",
      WORKER_LEASE_SECONDS: "5",
      TENANT_PORT_RANGE: "43000-43099",
      TENANT_URL: "http://127.0.0.1:{port}/",
      // No scheduled tenant backups among the jobs counted here; the terminate job's own backup stays.
      BACKUP_SCHEDULE: "off",
      ...LOCAL_IMAGES,
    };
    // Each worker stops for a while inside the terminate job's dump step, after its work: the
    // moment the test kills it at.
    for (let i = 0; i < 2; i++) workers.push(spawnPortal({ ...env, TENANTRY_CRASH_TEST_PAUSE: "dump:15000" }, "app/worker.ts"));
    await eventually("both schedulers started", async () => workers.every((w) => w.output().includes("scheduler started")), 60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stop(worker)));
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await db?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const prisma = () => db.prisma;

  async function stop(worker: ReturnType<typeof spawnPortal>) {
    if (worker.process.exitCode !== null || worker.process.signalCode !== null) return;
    worker.kill("SIGTERM");
    const timer = setTimeout(() => worker.kill("SIGKILL"), 10_000);
    await worker.exited;
    clearTimeout(timer);
  }

  const output = () => workers.map((w, i) => `--- worker ${i}:\n${w.output().slice(-4000)}`).join("\n");

  /** Polls `check` until it is true; a timeout reports the workers' last lines. */
  async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const [i, w] of workers.entries()) {
        if (w.process.exitCode !== null) throw new Error(`worker ${i} exited (${w.process.exitCode}) while waiting for ${what}\n${output()}`);
      }
      if (await check()) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Moves both workers' clocks so that their "now" is `target` (they re-read the file within 200 ms). */
  async function setClock(target: Date) {
    await writeFile(clockFile, String(target.getTime() - Date.now()));
  }

  /**
   * Lets the schedulers run the trial task again in a later period (both processes poll every
   * second): the clock moves one period on, and the test waits for that period's run to finish.
   */
  async function runAnotherPeriod(from: Date) {
    const later = new Date(TRIAL_TASK_PERIOD.next(TRIAL_TASK_PERIOD.startOf(from)).getTime() + MINUTE);
    await setClock(later);
    const periodKey = TRIAL_TASK_PERIOD.startOf(later).toISOString();
    await eventually(`the trial task's run of ${periodKey}`, async () => {
      const run = await prisma().scheduledRun.findUnique({ where: { task_periodKey: { task: "trial-lifecycle", periodKey } } });
      return run?.status === "succeeded";
    });
    // A few polls more: a second process that would act again has had its chance.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    return later;
  }

  async function effects() {
    const [audit, emails, jobs] = await Promise.all([
      prisma().auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
      prisma().emailOutbox.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } }),
      prisma().provisioningJob.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } }),
    ]);
    const count = (action: string, outcome?: string) => audit.filter((a) => a.action === action && (!outcome || a.outcome === outcome)).length;
    return { audit, emails, jobs, count, purposes: emails.map((e) => e.purpose), kinds: jobs.map((j) => j.kind) };
  }

  const tenant = () => prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { subscription: true, portLeases: true, secrets: true } });

  async function jobSucceeded(kind: "provision" | "suspend" | "terminate", timeoutMs = 300_000) {
    await eventually(
      `the ${kind} job`,
      async () => {
        const job = await prisma().provisioningJob.findFirst({ where: { tenantId, kind }, include: { steps: true } });
        if (job?.status === "failed") {
          throw new Error(`the ${kind} job failed: ${job.lastError}\n${job.steps.map((s) => `${s.name}: ${s.status} ${s.error ?? ""}`).join("\n")}\n${output()}`);
        }
        return job?.status === "succeeded";
      },
      timeoutMs,
    );
  }

  it("a trial signs up and its tenant is provisioned", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext({ now: new Date(), trialDays: 30 }));
    if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
    const row = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { subscription: true } });
    tenantId = row.id;
    subscriptionId = row.subscriptionId!;
    trialEndsAt = row.subscription!.trialEndsAt!;
    await jobSucceeded("provision");
    expect((await tenant()).actualState).toBe("active");
    await eventually("the credentials email sent", async () => (await effects()).emails.some((e) => e.purpose === "credentials" && e.status === "sent"));
  }, 360_000);

  it("7 days before the end: the 7-day reminder, once", async () => {
    await setClock(new Date(trialEndsAt.getTime() - 7 * DAY + MINUTE));
    await eventually("the 7-day reminder", async () => (await effects()).purposes.includes("trial-ending"));
    await runAnotherPeriod(new Date(trialEndsAt.getTime() - 7 * DAY + MINUTE));
    const { emails, count, audit } = await effects();
    expect(emails.filter((e) => e.purpose === "trial-ending").map((e) => e.idempotencyKey)).toEqual([
      `trial-ending:${subscriptionId}:7:${trialEndsAt.toISOString()}`,
    ]);
    expect(count("trial.reminded")).toBe(1);
    expect(audit.find((a) => a.action === "trial.reminded")).toMatchObject({ actorType: "system", actorId: "scheduler", details: { days: 7 } });
    await eventually("the reminder delivered", async () => (await effects()).emails.every((e) => e.status === "sent"));
  }, 180_000);

  it("1 day before the end: the 1-day reminder, once", async () => {
    await setClock(new Date(trialEndsAt.getTime() - DAY + MINUTE));
    await eventually("the 1-day reminder", async () => (await effects()).purposes.filter((p) => p === "trial-ending").length === 2);
    await runAnotherPeriod(new Date(trialEndsAt.getTime() - DAY + MINUTE));
    const { emails, count } = await effects();
    expect(emails.filter((e) => e.purpose === "trial-ending").map((e) => e.idempotencyKey)).toEqual([
      `trial-ending:${subscriptionId}:7:${trialEndsAt.toISOString()}`,
      `trial-ending:${subscriptionId}:1:${trialEndsAt.toISOString()}`,
    ]);
    expect(count("trial.reminded")).toBe(2);
    expect((await tenant()).actualState).toBe("active");
  }, 180_000);

  it("at the end: expired, its containers stopped (data kept), the customer emailed, once", async () => {
    const end = new Date(trialEndsAt.getTime() + MINUTE);
    await setClock(end);
    await jobSucceeded("suspend");
    await runAnotherPeriod(end);
    const row = await tenant();
    expect(row.subscription).toMatchObject({ status: "expired" });
    expect(row.subscription!.expiredAt!.getTime()).toBeGreaterThanOrEqual(trialEndsAt.getTime());
    expect(row).toMatchObject({ desiredState: "suspended", actualState: "suspended" });
    const engine = await engineResourcesOf(tenantId!);
    expect(engine.containers.length).toBeGreaterThan(0);
    expect(engine.containers.map((c) => c.state)).toEqual(engine.containers.map(() => "exited"));
    expect(engine.volumes).toHaveLength(1);
    const { emails, count, kinds, audit } = await effects();
    expect(emails.filter((e) => e.purpose === "trial-ended").map((e) => e.idempotencyKey)).toEqual([
      `trial-ended:${subscriptionId}:${trialEndsAt.toISOString()}`,
    ]);
    expect(kinds).toEqual(["provision", "suspend"]);
    expect(count("trial.expired")).toBe(1);
    expect(audit.find((a) => a.action === "trial.expired")).toMatchObject({ actorType: "system", actorId: "scheduler", outcome: "queued" });
    expect(count("tenant.suspended")).toBe(1);
  }, 360_000);

  it("30 days after the expiry: terminated once, with a final dump; nothing of it left on the engine", async () => {
    const later = new Date(trialEndsAt.getTime() + 31 * DAY);
    await setClock(later);
    let paused = -1;
    await eventually("a worker inside the dump step", async () => {
      paused = workers.findIndex((w) => w.output().includes("crash-test pause in step dump"));
      return paused >= 0;
    });
    // The dump is written and recorded; the step is not: the worker dies here.
    expect(await prisma().tenantDump.count({ where: { tenantId } })).toBe(1);
    workers[paused]!.kill("SIGKILL");
    await workers[paused]!.exited;
    workers[paused] = spawnPortal(env, "app/worker.ts");
    await jobSucceeded("terminate");
    const job = await prisma().provisioningJob.findFirstOrThrow({ where: { tenantId, kind: "terminate" }, include: { steps: true } });
    expect(job.steps.find((step) => step.name === "dump")).toMatchObject({ status: "succeeded", attempts: 2 });
    await runAnotherPeriod(later);

    const row = await tenant();
    expect(row).toMatchObject({ desiredState: "destroyed", actualState: "destroyed" });
    expect(row.portLeases).toEqual([]);
    expect(row.secrets).toEqual([]);
    expect(await engineResourcesOf(tenantId!)).toEqual({ containers: [], networks: [], volumes: [] });

    // The dump: one row, one file (mode 0600) that decrypts to the database's SQL with the users table.
    const dumps = await prisma().tenantDump.findMany({ where: { tenantId } });
    const fileName = finalDumpFileName(tenantId!);
    expect(dumps).toHaveLength(1);
    expect(dumps[0]).toMatchObject({ reason: "final", fileName, deletedAt: null });
    expect(dumps[0]!.expiresAt.getTime() - dumps[0]!.createdAt.getTime()).toBe(90 * DAY);
    const dumpsDir = path.join(dataDir, "dumps");
    const info = await stat(path.join(dumpsDir, fileName));
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.size).toBe(dumps[0]!.sizeBytes);
    const sql = await readFinalDump(new SecretBox(secretKey), dumpsDir, fileName);
    expect(sql).toContain("CREATE TABLE public.users");
    const usersRows = sql.slice(sql.indexOf("COPY public.users")).split("\n\\.\n")[0]!;
    expect(usersRows).toContain(`\t${row.slug}\t`);
    await expect(readFinalDump(new SecretBox(randomBytes(32)), dumpsDir, fileName)).rejects.toThrow(/could not be decrypted/);

    const { emails, count, kinds } = await effects();
    expect(kinds).toEqual(["provision", "suspend", "terminate"]);
    expect(count("tenant.terminated", "queued")).toBe(1);
    expect(count("tenant.terminated", "succeeded")).toBe(1);
    expect(count("tenant.dump_written")).toBe(1);
    // Beside the final dump, a pre-termination tenant backup (issue 13), taken once.
    const backups = await prisma().tenantBackup.findMany({ where: { tenantId } });
    expect(backups.map((b) => [b.reason, b.status])).toEqual([["pre-termination", "succeeded"]]);
    expect(count("trial.expired")).toBe(1);
    expect(count("trial.reminded")).toBe(2);
    expect(emails.map((e) => e.purpose)).toEqual(["credentials", "trial-ending", "trial-ending", "trial-ended", "instance-terminated"]);
    expect(emails.at(-1)!.idempotencyKey).toBe(`instance-terminated:${tenantId}`);
    await eventually("every email delivered", async () => (await effects()).emails.every((e) => e.status === "sent"));
  }, 420_000);
});
