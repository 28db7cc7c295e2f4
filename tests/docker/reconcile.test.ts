// Reconciliation on the real Docker engine, in one process (createOrchestrator and its worker, as
// tests/docker/lifecycle.test.ts): one tenant is provisioned, then each pass of the reconcile
// task is run once through runDueTasks (as `npm run tasks -- run-due` does), each as of its own
// period, and the test looks at the engine and the database afterwards:
// - the tenant's app container, removed by hand, is back after one pass (and its repair job), and
//   two reconcilers at once ask for one repair only; its database, stopped by hand, runs again;
// - a container with our labels and a tenant id no tenant has is listed as a stray and left alone;
// - an engine that does not answer (a socket that does not exist) marks the tenant unreachable,
//   audited and alerted once however many passes see it;
// - two failed repairs (an app image that does not exist) flag the tenant for an operator, once.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import type { StackDriver } from "../../orchestrator/driver.ts";
import { defaultTimeSettings, type Worker } from "../../orchestrator/index.ts";
import { reconcileTask } from "../../orchestrator/reconcile/reconcile-task.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { runDueTasks, type RunReport } from "../../orchestrator/scheduler/scheduler.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { LABELS } from "../../orchestrator/stack-spec.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator, LOCAL_TEMPLATE_VALUES, TEMPLATES_DIR } from "../support/engine-orchestrator.ts";
import { docker, LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";

// Helper B's port range (tests running at the same time use others).
const PORT_RANGE = { first: 43100, last: 43199 };
const MISSING_IMAGE = "tenantry/does-not-exist:never";
const INTERVAL_MS = defaultTimeSettings().reconcileIntervalMinutes * 60_000;

describe("reconciliation on the Docker engine", () => {
  let database: TestDatabase;
  let mailboxDir: string;
  const workers: Worker[] = [];
  const secretKey = randomBytes(32);
  const { logger, lines: logLines } = capturingLogger();
  const company = `Reconcile ${randomBytes(3).toString("hex")}`;
  const strayProject = `client-stray-${randomBytes(3).toString("hex")}`;
  const strayName = `${strayProject}-app`;
  let tenantId: string;
  let slug: string;
  // Each pass is as of its own period (a period runs once), later than the one before.
  let nextAsOf = Math.ceil(Date.now() / INTERVAL_MS) * INTERVAL_MS;

  const prisma = () => database.db.prisma;

  async function orchestratorWorker(templateValues: Record<string, string>): Promise<Worker> {
    const orchestrator = await engineOrchestrator({
      prisma: prisma(),
      logger,
      templateValues,
      portRange: PORT_RANGE,
      mailboxDir,
      secretKey,
    });
    const worker = orchestrator.startWorker();
    workers.push(worker);
    return worker;
  }

  /** What the scheduler hands the reconcile task, over the given driver. */
  async function schedulerDeps(driver: StackDriver): Promise<SchedulerDeps> {
    const template = (await loadTemplates(TEMPLATES_DIR)).get("demo")!;
    return {
      prisma: prisma(),
      driver,
      clock: systemClock,
      logger,
      secretBox: new SecretBox(secretKey),
      template,
      templateValues: LOCAL_TEMPLATE_VALUES,
      portRange: PORT_RANGE,
      bindAddress: "127.0.0.1",
      tenantUrl: "http://127.0.0.1:{port}",
      finalDumps: { dir: mailboxDir, retentionDays: 90 },
      time: defaultTimeSettings(),
      notify: { mode: "mock", emails: [], vendorName: "Tenantry", locale: "en" },
    };
  }

  const engineDriver = () => createDockerDriver({ docker: new Dockerode({ socketPath: "/var/run/docker.sock" }) });

  /** One pass of the reconcile task, as of the next period; its summary. */
  async function reconcilePass(driver: StackDriver = engineDriver()) {
    const asOf = new Date((nextAsOf += INTERVAL_MS));
    const [report] = await runDueTasks({ prisma: prisma(), clock: systemClock, logger, tasks: [reconcileTask(await schedulerDeps(driver))] }, asOf);
    return succeeded(report);
  }

  function succeeded(report: RunReport | undefined) {
    if (report?.outcome !== "succeeded") throw new Error(`the reconcile pass did not succeed: ${JSON.stringify(report)}\n${logLines.slice(-10).join("\n")}`);
    return report.summary;
  }

  /** Waits for a job to end; its row, whatever its status. */
  async function jobEnds(jobId: string, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
      if (job.status === "succeeded" || job.status === "failed") return job;
      if (Date.now() > deadline) throw new Error(`${job.kind} job still ${job.status}\n${logLines.slice(-20).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const repairJobs = () => prisma().provisioningJob.findMany({ where: { tenantId, kind: "reconcile" }, orderBy: { createdAt: "asc" } });
  const tenant = () => prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { portLeases: true } });
  const auditActions = async (action: string) => prisma().auditLog.findMany({ where: { tenantId, action }, orderBy: { id: "asc" } });
  const appContainer = async () => (await docker.listContainers({ all: true, filters: { name: [`^/${slug}-app$`] } }))[0];
  const health = async () =>
    fetch(`http://127.0.0.1:${(await tenant()).portLeases[0]!.port}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => "no answer" as const,
    );

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    mailboxDir = await mkdtemp(path.join(tmpdir(), "tenantry-reconcile-"));
    await orchestratorWorker(LOCAL_TEMPLATE_VALUES);
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const created = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantId = created.id;
    slug = created.slug;
    const provisioned = await jobEnds(created.jobs[0]!.id);
    if (provisioned.status !== "succeeded") throw new Error(`provisioning ${provisioned.status}: ${provisioned.lastError}\n${logLines.slice(-20).join("\n")}`);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop().catch(() => {});
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await docker.getContainer(strayName).remove({ force: true }).catch(() => {});
    await database?.dispose();
    if (mailboxDir) await rm(mailboxDir, { recursive: true, force: true });
  });

  it("a healthy tenant is seen running; nothing is asked for", async () => {
    const summary = await reconcilePass();
    expect(summary).toMatchObject({ engine: "reachable", tenants: 1, running: 1, repairsRequested: 0 });
    expect(await tenant()).toMatchObject({ observedState: "running", repairFailures: 0, attentionReason: null });
    expect(await repairJobs()).toEqual([]);
  });

  it("an app container removed by hand is back after one pass; two reconcilers at once ask for one repair", async () => {
    await docker.getContainer(`${slug}-app`).remove({ force: true });
    expect(await appContainer()).toBeUndefined();

    // Two passes at once (two schedulers, each its own period): the tenant's row lock lets one ask.
    const summaries = await Promise.all([reconcilePass(), reconcilePass()]);
    expect(summaries.map((s) => s.repairsRequested).sort()).toEqual([0, 1]);
    const jobs = await repairJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ requestedBy: "reconciler" });
    const drift = await auditActions("tenant.drift_detected");
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ actorType: "system", actorId: "scheduler", outcome: "queued" });
    expect(drift[0]!.details).toMatchObject({ observed: "missing", services: "app", jobId: jobs[0]!.id });

    const repair = await jobEnds(jobs[0]!.id);
    expect(repair.status, repair.lastError ?? "").toBe("succeeded");
    expect(await appContainer()).toMatchObject({ State: "running" });
    expect(await health()).toBe(200);
    expect(await tenant()).toMatchObject({ observedState: "running", repairFailures: 0, actualState: "active", progress: null });
    expect((await auditActions("tenant.repaired")).map((a) => [a.actorId, a.outcome])).toEqual([["reconciler", "succeeded"]]);

    // The next pass finds it healthy and asks for nothing.
    expect(await reconcilePass()).toMatchObject({ running: 1, repairsRequested: 0 });
    expect(await repairJobs()).toHaveLength(1);
  });

  it("a database container stopped on its own is started again by the repair", async () => {
    await docker.getContainer(`${slug}-postgres`).stop({ t: 10 });
    expect(await reconcilePass()).toMatchObject({ repairsRequested: 1 });
    const jobs = await repairJobs();
    expect(jobs).toHaveLength(2);
    expect((await auditActions("tenant.drift_detected")).at(-1)!.details).toMatchObject({ observed: "stopped", services: expect.stringContaining("postgres") });
    const repair = await jobEnds(jobs[1]!.id);
    expect(repair.status, repair.lastError ?? "").toBe("succeeded");
    expect((await docker.getContainer(`${slug}-postgres`).inspect()).State.Running).toBe(true);
    expect(await health()).toBe(200);
    expect(await reconcilePass()).toMatchObject({ running: 1, repairsRequested: 0 });
  });

  it("a container with our labels and an unknown tenant id is listed as a stray, and left alone", async () => {
    const unknownTenant = randomUUID();
    await docker.createContainer({
      Image: LOCAL_IMAGES.TENANT_APP_IMAGE,
      name: strayName,
      Cmd: ["true"],
      Labels: {
        [LABELS.managed]: "true",
        [LABELS.tenantId]: unknownTenant,
        [LABELS.composeProject]: strayProject,
        [LABELS.composeService]: "app",
      },
    });
    await reconcilePass();
    const first = await prisma().strayResource.findUniqueOrThrow({ where: { kind_name: { kind: "container", name: strayName } } });
    expect(first).toMatchObject({ project: strayProject, tenantLabel: unknownTenant });
    // The tenant's own resources are not strays.
    expect(await prisma().strayResource.count({ where: { OR: [{ tenantLabel: tenantId }, { project: `client-${slug}` }] } })).toBe(0);

    // Seen again: first seen kept, last seen moves; the container is still there.
    await reconcilePass();
    const again = await prisma().strayResource.findUniqueOrThrow({ where: { kind_name: { kind: "container", name: strayName } } });
    expect(again.firstSeenAt).toEqual(first.firstSeenAt);
    expect(again.lastSeenAt.getTime()).toBeGreaterThan(first.lastSeenAt.getTime());
    expect((await docker.getContainer(strayName).inspect()).Config.Labels[LABELS.tenantId]).toBe(unknownTenant);

    // Removed by an operator: the next pass drops it from the list.
    await docker.getContainer(strayName).remove({ force: true });
    await reconcilePass();
    expect(await prisma().strayResource.count({ where: { name: strayName } })).toBe(0);
  });

  it("an engine that does not answer marks the tenant unreachable, audited and alerted once", async () => {
    const nowhere = createDockerDriver({ docker: new Dockerode({ socketPath: `/tmp/tenantry-no-engine-${randomBytes(4).toString("hex")}.sock` }) });
    const alerts = () => prisma().operatorNotification.findMany({ where: { idempotencyKey: { startsWith: "alert.reconciliation_failed:engine-unreachable:" } } });

    expect(await reconcilePass(nowhere)).toMatchObject({ engine: "unreachable", marked: 1, unreachableTenants: 1 });
    expect(await tenant()).toMatchObject({ observedState: "unreachable", actualState: "active" });
    expect(await reconcilePass(nowhere)).toMatchObject({ engine: "unreachable", marked: 0 });
    expect(await auditActions("tenant.engine_unreachable")).toHaveLength(1);
    expect((await alerts()).map((a) => [a.kind, a.severity])).toEqual([["alert.reconciliation_failed", "critical"]]);
    // Nothing was repaired meanwhile: the engine was not read.
    expect(await repairJobs()).toHaveLength(2);

    // The engine answers again: the tenant is seen running; a later outage is a new alert.
    expect(await reconcilePass()).toMatchObject({ engine: "reachable", running: 1 });
    expect((await tenant()).observedState).toBe("running");
    await reconcilePass(nowhere);
    expect(await alerts()).toHaveLength(2);
    expect(await auditActions("tenant.engine_unreachable")).toHaveLength(2);
    await reconcilePass();
  });

  it("two failed repairs flag the tenant for an operator, once; it is then left alone", async () => {
    // From now on the tenant's app image (recorded at provisioning, which a redeploy renders) does
    // not exist: every redeploy fails.
    await prisma().tenant.update({ where: { id: tenantId }, data: { appImage: MISSING_IMAGE } });
    await docker.getContainer(`${slug}-app`).remove({ force: true });

    for (const failures of [1, 2]) {
      expect(await reconcilePass()).toMatchObject({ repairsRequested: 1 });
      const jobs = await repairJobs();
      const failed = await jobEnds(jobs.at(-1)!.id);
      expect(failed.status).toBe("failed");
      expect(failed.lastError).toContain(MISSING_IMAGE);
      expect(await tenant()).toMatchObject({ repairFailures: failures, desiredState: "active", actualState: "active", attentionReason: null });
    }
    expect((await auditActions("tenant.repair_failed")).map((a) => (a.details as { repairFailures: number }).repairFailures)).toEqual([1, 2]);

    expect(await reconcilePass()).toMatchObject({ repairsRequested: 0, flagged: 1 });
    const flagged = await tenant();
    expect(flagged.attentionReason).toBe("repairs_failed:missing:app");
    expect(flagged.observedState).toBe("missing");
    expect(await auditActions("tenant.flagged")).toHaveLength(1);
    const alerts = await prisma().operatorNotification.findMany({ where: { idempotencyKey: { startsWith: `alert.reconciliation_failed:flagged:${tenantId}:` } } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ tenant: slug, tenantId, attempts: 2 });

    // Left for an operator: no third repair, no second flag or alert.
    expect(await reconcilePass()).toMatchObject({ repairsRequested: 0, flagged: 0, stillFlagged: 1 });
    expect(await repairJobs()).toHaveLength(4);
    expect(await auditActions("tenant.flagged")).toHaveLength(1);
    expect(await prisma().operatorNotification.count({ where: { idempotencyKey: { startsWith: `alert.reconciliation_failed:flagged:${tenantId}:` } } })).toBe(1);
    // Nothing of the tenant was removed: its database still runs, its volume is there.
    expect((await docker.getContainer(`${slug}-postgres`).inspect()).State.Running).toBe(true);
  });
});
