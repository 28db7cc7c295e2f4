// Must-show 4 of issue 12, on the real Docker engine: a tenant signs up on plan A (the catalogue's
// default plan), is provisioned with A's limits on every container; the console's plan change (the
// model function its route calls, as an operator) moves it to plan B, and the change_plan job
// applies B's limits to the running containers in place: `docker inspect` shows B's memory and
// CPU limits on the same containers, still running and healthy, and the job is audited.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performAdminAction } from "../../app/models/admin-actions.server.ts";
import type { AdminSessionInfo } from "../../app/models/admin-auth.server.ts";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { parsePlans, type Orchestrator, type Worker } from "../../orchestrator/index.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { docker, removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const MiB = 1024 * 1024;
// Two plans of the vendor's kind; 1 CPU at most, so any test machine can give it.
const plans = parsePlans(
  JSON.stringify({
    defaultPlan: "h-small",
    plans: [
      { id: "h-small", names: { en: "Small", fr: "Petit" }, trialDays: 30, limits: { memoryMb: 256, cpus: 0.5 }, maxTenants: 10 },
      { id: "h-large", names: { en: "Large", fr: "Grand" }, trialDays: 30, limits: { memoryMb: 384, cpus: 1 } },
    ],
  }),
  "plan-change.test plans.json",
);
const session: AdminSessionInfo = { sessionId: "s", csrfToken: "c", admin: { id: "h-op", email: "h-operator@vendor.test", role: "operator" } };

describe("a plan change from the console applies the new plan's limits to the running containers", () => {
  let database: TestDatabase;
  let worker: Worker;
  let mailboxDir: string;
  const { logger, lines } = capturingLogger();
  const company = `H Plan ${randomBytes(3).toString("hex")}`;
  let tenantId = "";
  let slug = "";

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    mailboxDir = await mkdtemp(path.join(tmpdir(), "tenantry-h-plan-"));
    const orchestrator: Orchestrator = await engineOrchestrator({
      prisma: database.db.prisma,
      logger,
      portRange: { first: 48500, last: 48599 },
      mailboxDir,
      plans,
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

  async function jobEnds(jobId: string, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
      if (job.status === "succeeded") return job;
      if (job.status === "failed" || Date.now() > deadline) {
        const steps = job.steps.map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n  ");
        throw new Error(`${job.kind} job ${job.status}: ${job.lastError ?? ""}\n  ${steps}\n${lines.slice(-20).join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** What `docker inspect` says of each container of the tenant: id, limits, running since. */
  async function inspectContainers() {
    const names = [`${slug}-app`, `${slug}-postgres`];
    return Promise.all(
      names.map(async (name) => {
        const info = await docker.getContainer(name).inspect();
        return { name, id: info.Id, memory: info.HostConfig.Memory, nanoCpus: info.HostConfig.NanoCpus, running: info.State.Running, startedAt: info.State.StartedAt };
      }),
    );
  }

  it("a tenant signed up on plan A runs with A's limits", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company }), signupContext({ plan: { id: plans.defaultPlan.id, maxTenants: plans.defaultPlan.maxTenants } }));
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantId = tenant.id;
    slug = tenant.slug;
    await jobEnds(tenant.jobs[0]!.id);
    const containers = await inspectContainers();
    expect(containers.map((c) => [c.name, c.memory, c.nanoCpus, c.running])).toEqual([
      [`${slug}-app`, 256 * MiB, 500_000_000, true],
      [`${slug}-postgres`, 256 * MiB, 500_000_000, true],
    ]);
  });

  it("the console's change to plan B: docker inspect shows B's limits on the same running containers", async () => {
    const before = await inspectContainers();
    const message = await performAdminAction({ prisma: prisma(), now: () => new Date(), config: { plans } }, session, tenantId, { intent: "plan", plan: "h-large" });
    const job = await prisma().provisioningJob.findFirstOrThrow({ where: { tenantId, kind: "change_plan" } });
    expect(message).toEqual({ key: "result.plan", values: { plan: "h-large", job: job.id.slice(0, 8) } });
    await jobEnds(job.id);

    const after = await inspectContainers();
    expect(after.map((c) => [c.name, c.memory, c.nanoCpus, c.running])).toEqual([
      [`${slug}-app`, 384 * MiB, 1_000_000_000, true],
      [`${slug}-postgres`, 384 * MiB, 1_000_000_000, true],
    ]);
    // In place: the same containers, not restarted.
    expect(after.map((c) => [c.id, c.startedAt])).toEqual(before.map((c) => [c.id, c.startedAt]));

    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { subscription: true, portLeases: true } });
    expect(tenant.subscription).toMatchObject({ plan: "h-large", status: "active" });
    expect(tenant.actualState).toBe("active");
    const health = await fetch(`http://127.0.0.1:${tenant.portLeases[0]!.port}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);

    const audit = await prisma().auditLog.findMany({ where: { tenantId, action: { in: ["admin.plan", "tenant.plan_applied"] } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorId, a.outcome, a.details])).toEqual([
      ["admin.plan", session.admin.email, "queued", { from: "trial", to: "h-large", jobId: job.id }],
      ["tenant.plan_applied", session.admin.email, "succeeded", { plan: "h-large", memoryMb: 384, cpus: 1, containers: 2 }],
    ]);
  });
});
