// Tenant upgrades (issue 13, must-show 4) on the real Docker engine, in one process. Two app images
// are built from tenantry/demo-app:local for the test and removed after it:
//   tenantry/demo-app:f-broken  "migrates" the database at start (adds a column to users and drops
//                               the notes table the test writes) then answers /health with 503
//   tenantry/demo-app:f-v2      the demo app itself, under another image id
// An upgrade of one tenant to f-broken fails its health check and is rolled back within the job's
// deadline: the tenant is active on its previous image (docker inspect), its notes rows are there
// again (the pre-upgrade backup was loaded: the broken version had dropped them) and the column the
// broken version added is gone. Then an upgrade of all five tenants to f-v2 in batches of 2: every
// tenant runs f-v2 (docker inspect and Tenant.appImage), and the run's records show three batches
// (2, 2, 1), each queued only after every tenant of the one before had finished.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { systemClock, waitForJob, type Orchestrator, type Worker } from "../../orchestrator/index.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { tenantPsql } from "../support/tenant-psql.ts";

const run = promisify(execFile);
const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const driver = createDockerDriver({ docker });
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const BROKEN = "tenantry/demo-app:f-broken";
const V2 = "tenantry/demo-app:f-v2";
const PREVIOUS = LOCAL_IMAGES.TENANT_APP_IMAGE;
const JOB_TIMEOUT_MS = 240_000;

// Runs the broken version's "migration" with the demo app's own pg module, then serves 503.
const BROKEN_SERVER = `
const http = require("node:http");
const { Client } = require("pg");
async function migrate() {
  const client = new Client();
  await client.connect();
  await client.query("ALTER TABLE users ADD COLUMN IF NOT EXISTS f_v3_flag integer; DROP TABLE IF EXISTS notes");
  await client.end();
}
migrate()
  .catch((error) => console.error("migration failed:", error.message))
  .finally(() => http.createServer((req, res) => { res.writeHead(503); res.end("broken build"); }).listen(8080, () => console.log("broken build listening")));
`;

async function buildImage(dir: string, tag: string, dockerfile: string, files: Record<string, string> = {}): Promise<void> {
  const context = path.join(dir, tag.replace(/[^a-z0-9]/g, "-"));
  await run("mkdir", ["-p", context]);
  await writeFile(path.join(context, "Dockerfile"), dockerfile);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(context, name), text);
  await run("docker", ["build", "-q", "-t", tag, context], { timeout: 120_000 });
}

describe("tenant upgrades, on the Docker engine", () => {
  let database: TestDatabase;
  let scratch: string;
  let orchestrator: Orchestrator;
  let worker: Worker | null = null;
  const { logger, lines: logLines } = capturingLogger();
  const tag = randomBytes(3).toString("hex");
  const marker = `f-row-${randomBytes(6).toString("hex")}`;
  const tenants: { id: string; slug: string }[] = [];

  const prisma = () => database.db.prisma;

  const psql = (slug: string, sql: string) => tenantPsql(driver, slug, sql);

  async function jobReport(jobId: string): Promise<string> {
    const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
    const steps = job.steps.map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n  ");
    return `${job.kind} job ${job.status}: ${job.lastError ?? ""}\n  ${steps}\n${logLines.slice(-20).join("\n")}`;
  }

  const appImageOnEngine = async (slug: string) => (await docker.getContainer(`${slug}-app`).inspect()).Config.Image;

  async function health(tenantId: string): Promise<number | "no answer"> {
    const lease = await prisma().portLease.findFirstOrThrow({ where: { tenantId } });
    return fetch(`http://127.0.0.1:${lease.port}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => "no answer" as const,
    );
  }

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "tenantry-f-upgrades-"));
    await buildImage(scratch, BROKEN, `FROM ${PREVIOUS}\nCOPY broken.js ./broken.js\nCMD ["node", "broken.js"]\n`, { "broken.js": BROKEN_SERVER });
    await buildImage(scratch, V2, `FROM ${PREVIOUS}\nLABEL io.tenantry.test.version="f-v2"\n`);
    database = await createTestDatabase("postgres");
    orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      portRange: { first: 48200, last: 48399 },
      mailboxDir: path.join(scratch, "mailbox"),
      timeoutMs: JOB_TIMEOUT_MS,
      concurrency: 5,
      tenantBackups: { dir: path.join(scratch, "backups") },
      upgrades: { healthTimeoutSeconds: 15 },
    });
    worker = orchestrator.startWorker();
  }, 180_000);

  afterAll(async () => {
    await worker?.stop();
    await removeTenantsFromEngine(tenants.map((t) => t.id));
    await database?.dispose();
    for (const image of [BROKEN, V2]) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 120_000);

  it("five tenants are provisioned at once, each recorded with the image it runs", async () => {
    const jobIds = await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        const outcome = await registerTrialSignup(prisma(), signupData({ company: `F Upgrade ${tag} ${n}` }), signupContext());
        if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
        const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
        tenants.push({ id: tenant.id, slug: tenant.slug });
        return tenant.jobs[0]!.id;
      }),
    );
    for (const jobId of jobIds) {
      const outcome = await waitForJob(prisma(), jobId, systemClock, { timeoutMs: JOB_TIMEOUT_MS, pollMs: 500 });
      if (outcome.status !== "succeeded") throw new Error(await jobReport(jobId));
    }
    for (const tenant of tenants) {
      expect(tenant.slug.startsWith("f-upgrade-")).toBe(true);
      expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenant.id } })).appImage).toBe(PREVIOUS);
      expect(await appImageOnEngine(tenant.slug)).toBe(PREVIOUS);
    }
  }, 300_000);

  it("an upgrade to an image that fails its health check is rolled back within the job's deadline: previous image, rows intact", async () => {
    const [first] = tenants;
    await psql(first!.slug, `CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL); INSERT INTO notes VALUES (1, '${marker} one'), (2, '${marker} two')`);
    const requested = await orchestrator.upgrades.request({ target: { slug: first!.slug }, image: BROKEN, batchSize: 1 }, OPERATOR);
    expect(requested.tenants).toHaveLength(1);
    const ended = await orchestrator.upgrades.wait(requested.id, JOB_TIMEOUT_MS + 30_000);
    const item = ended.tenants[0]!;
    expect(ended.status, await jobReport(item.jobId!)).toBe("stopped");
    expect(item, `${item.error}\n${await jobReport(item.jobId!)}`).toMatchObject({ slug: first!.slug, status: "rolled_back", fromImage: PREVIOUS });
    expect(item.error).toMatch(/not ready after 15 s/);
    expect(item.error).toMatch(/restored backup/);

    // The job failed on its own (the health check), not at its deadline, and ended before it.
    const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: item.jobId! } });
    expect(job.status).toBe("failed");
    expect(job.lastError).not.toMatch(/did not finish within/);
    expect(job.finishedAt!.getTime() - job.startedAt!.getTime()).toBeLessThan(JOB_TIMEOUT_MS);

    // The previous image runs, answers, and the database is as it was before the upgrade.
    expect(await appImageOnEngine(first!.slug)).toBe(PREVIOUS);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { id: first!.id } });
    expect(tenant).toMatchObject({ actualState: "active", appImage: PREVIOUS });
    expect(await health(first!.id)).toBe(200);
    expect(await psql(first!.slug, "SELECT string_agg(id || ':' || body, ',' ORDER BY id) FROM notes")).toBe(`1:${marker} one,2:${marker} two`);
    expect(await psql(first!.slug, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'f_v3_flag'")).toBe("0");

    const backup = await prisma().tenantBackup.findUniqueOrThrow({ where: { jobId: item.jobId! } });
    expect(backup).toMatchObject({ reason: "pre-upgrade", status: "succeeded" });
    const audit = await prisma().auditLog.findMany({ where: { tenantId: first!.id, action: { startsWith: "tenant.upgrade" } } });
    expect(audit.map((entry) => entry.action)).toEqual(["tenant.upgrade_rolled_back"]);
    expect(await prisma().auditLog.count({ where: { action: "admin.upgrade_started" } })).toBe(1);
  }, JOB_TIMEOUT_MS + 60_000);

  it("an upgrade to a good image goes through the five tenants in batches of 2", async () => {
    const requested = await orchestrator.upgrades.request({ target: { all: true }, image: V2, batchSize: 2 }, OPERATOR);
    expect(requested.tenants.map((t) => t.batch)).toEqual([0, 0, 1, 1, 2]);
    // Only the first batch is queued at first.
    expect(requested.tenants.map((t) => t.status)).toEqual(["queued", "queued", "pending", "pending", "pending"]);
    const ended = await orchestrator.upgrades.wait(requested.id, 3 * JOB_TIMEOUT_MS);
    const failed = ended.tenants.find((t) => t.status !== "succeeded");
    expect(ended.status, failed?.jobId ? await jobReport(failed.jobId) : "").toBe("succeeded");
    expect(ended.tenants.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]);

    // Each batch was queued only once every tenant of the batch before had finished.
    for (const batch of [1, 2]) {
      const before = ended.tenants.filter((t) => t.batch === batch - 1);
      const these = ended.tenants.filter((t) => t.batch === batch);
      const lastFinished = Math.max(...before.map((t) => t.finishedAt!.getTime()));
      for (const t of these) expect(t.queuedAt!.getTime()).toBeGreaterThanOrEqual(lastFinished);
    }

    for (const tenant of tenants) {
      expect(await appImageOnEngine(tenant.slug)).toBe(V2);
      expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenant.id } })).appImage).toBe(V2);
      expect(await health(tenant.id)).toBe(200);
      expect(await prisma().auditLog.count({ where: { tenantId: tenant.id, action: "tenant.upgraded" } })).toBe(1);
    }
    // The rolled-back tenant's rows came through this upgrade too.
    expect(await psql(tenants[0]!.slug, "SELECT count(*) FROM notes")).toBe("2");
  }, 3 * JOB_TIMEOUT_MS);
});
