// A tenant's whole life, in one process, on the real Docker engine: a prospect signs up, the
// worker provisions the tenant, then the admin's lifecycle jobs suspend, resume and destroy it.
// No portal is started: the test opens a database, wires the orchestrator as the portal does
// (createOrchestrator, the Docker socket, the locally built demo images: tests/support/engine-orchestrator.ts), starts its worker, and
// after each job looks at both sides of the house: the database (desired state and history) and
// the engine (actual state, found by our labels). Start here to see how the pieces fit.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { requestJob, type LifecycleAction, type Orchestrator, type Worker } from "../../orchestrator/index.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { engineResourcesOf, freePortRange, logIn, removeTenantsFromEngine } from "../support/tenant-engine.ts";

const ADMIN = "lifecycle-test@example.com";

describe("a tenant's lifecycle, in-process, on the Docker engine", () => {
  let database: TestDatabase;
  let worker: Worker;
  let mailboxDir: string;
  const secretKey = randomBytes(32);
  // The orchestrator's log lines, quoted when a job does not succeed.
  const { logger, lines: logLines } = capturingLogger();
  // A company name of its own, so the slug (and so every container name) is this test's alone.
  const company = `Lifecycle ${randomBytes(3).toString("hex")}`;
  let tenantId: string;
  let slug: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    mailboxDir = await mkdtemp(path.join(tmpdir(), "tenantry-lifecycle-"));
    const orchestrator: Orchestrator = await engineOrchestrator({
      prisma: database.db.prisma,
      logger,
      portRange: await freePortRange(),
      mailboxDir,
      secretKey,
    });
    worker = orchestrator.startWorker();
  });

  afterAll(async () => {
    await worker?.stop();
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await database?.dispose();
    if (mailboxDir) await rm(mailboxDir, { recursive: true, force: true });
  });

  const prisma = () => database.db.prisma;

  /** Waits for a job to end; a job that fails is reported with its steps and the log lines. */
  async function jobEnds(jobId: string, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
      if (job.status === "succeeded") return job;
      if (job.status === "failed" || Date.now() > deadline) {
        const steps = job.steps.map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n  ");
        throw new Error(`${job.kind} job ${job.status}: ${job.lastError ?? ""}\n  ${steps}\n${logLines.slice(-20).join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * What the admin console does for an action, in one transaction: the tenant's desired state, the
   * job and the audit entry of who asked. The worker then claims the job and runs its steps.
   */
  async function runLifecycleJob(action: Extract<LifecycleAction, "suspend" | "resume" | "destroy">) {
    const desiredState = ({ suspend: "suspended", resume: "active", destroy: "destroyed" } as const)[action];
    const jobId = await prisma().$transaction(async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { desiredState } });
      return requestJob(tx, {
        tenantId,
        kind: action,
        requestedBy: ADMIN,
        audit: { actorType: "admin", actorId: ADMIN, action: `admin.${action}`, outcome: "queued" },
      });
    });
    return jobEnds(jobId);
  }

  const tenant = () => prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { portLeases: true, subscription: true } });
  const appPort = async () => (await tenant()).portLeases[0]!.port;

  /** The password the credentials email handed over, as the customer would type it. */
  async function initialPassword(): Promise<string> {
    const row = await prisma().tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name: "initial_password" } } });
    return new SecretBox(secretKey).decrypt(row.ciphertext, `${tenantId}/initial_password`);
  }

  async function health(): Promise<number | "no answer"> {
    return fetch(`http://127.0.0.1:${await appPort()}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => "no answer" as const,
    );
  }

  it("signup: one transaction writes the tenant (pending) and its provisioning job", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const created = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantId = created.id;
    slug = created.slug;
    expect(created.actualState).toBe("pending");
    expect(created.jobs.map((j) => j.kind)).toEqual(["provision"]);
  });

  it("provision: the stack runs on the engine, the tenant is active, the customer can log in", async () => {
    const [job] = await prisma().provisioningJob.findMany({ where: { tenantId } });
    const done = await jobEnds(job!.id);
    expect(done.steps.every((step) => step.status === "succeeded")).toBe(true);

    const row = await tenant();
    expect(row.actualState).toBe("active");
    expect(row.portLeases).toHaveLength(1);

    const engine = await engineResourcesOf(tenantId);
    expect(engine.containers.map((c) => [c.name, c.state]).sort()).toEqual([
      [`${slug}-app`, "running"],
      [`${slug}-postgres`, "running"],
    ]);
    expect(engine.networks).toEqual([`${slug}-network`]);
    expect(engine.volumes).toEqual([`${slug}-postgres-data`]);

    expect(await health()).toBe(200);
    expect((await logIn(await appPort(), slug, await initialPassword())).status).toBe(200);
    // The credentials email waits in the outbox, queued in the same transaction as "active".
    expect(await prisma().emailOutbox.count({ where: { tenantId } })).toBe(1);
  });

  it("suspend: nothing runs, the data volume and the port stay", async () => {
    await runLifecycleJob("suspend");
    const row = await tenant();
    expect(row.actualState).toBe("suspended");
    expect(row.portLeases).toHaveLength(1);

    const engine = await engineResourcesOf(tenantId);
    expect(engine.containers.filter((c) => c.state === "running")).toEqual([]);
    expect(engine.volumes).toEqual([`${slug}-postgres-data`]);
    expect(await health()).toBe("no answer");
  });

  it("resume: the same stack runs again, with the customer's data", async () => {
    await runLifecycleJob("resume");
    expect((await tenant()).actualState).toBe("active");

    const engine = await engineResourcesOf(tenantId);
    expect(engine.containers.map((c) => [c.name, c.state]).sort()).toEqual([
      [`${slug}-app`, "running"],
      [`${slug}-postgres`, "running"],
    ]);
    expect(await health()).toBe(200);
    // The user created at provisioning is still in the tenant's database.
    expect((await logIn(await appPort(), slug, await initialPassword())).status).toBe(200);
  });

  it("destroy: nothing of the tenant is left on the engine; its records say so", async () => {
    await runLifecycleJob("destroy");
    expect(await engineResourcesOf(tenantId)).toEqual({ containers: [], networks: [], volumes: [] });

    const row = await tenant();
    expect(row.actualState).toBe("destroyed");
    expect(row.portLeases).toEqual([]);
    expect(row.subscription?.status).toBe("canceled");
    expect(await prisma().tenantSecret.count({ where: { tenantId } })).toBe(0);

    // The history after the signup: who asked for each job, and how each ended.
    const history = await prisma().auditLog.findMany({ where: { tenantId, NOT: { action: { startsWith: "trial." } } }, orderBy: { id: "asc" } });
    expect(history.map((entry) => [entry.action, entry.outcome])).toEqual([
      ["tenant.provisioned", "succeeded"],
      ["admin.suspend", "queued"],
      ["tenant.suspended", "succeeded"],
      ["admin.resume", "queued"],
      ["tenant.resumed", "succeeded"],
      ["admin.destroy", "queued"],
      ["tenant.destroyed", "succeeded"],
    ]);
  });
});
