// The job queue and step runner against a real database: leases, takeover, per-tenant order,
// retries with delays, compensation, and no secret in stored errors; fencing tokens (a runner whose
// job was taken over writes and removes nothing), a heartbeat that never outlives its runner, a
// step in flight settled before compensation, and engine outages that do not eat the deadline.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock, type Clock } from "../../orchestrator/clock.ts";
import { DriverError, EngineUnavailableError, ImageMissingError } from "../../orchestrator/errors.ts";
import { claimNextJob } from "../../orchestrator/jobs/job-store.ts";
import { runClaimedJob, type JobDefinition, type JobRunnerOptions } from "../../orchestrator/jobs/run-job.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

let counter = 0;
async function newTenantWithJob(kind: "provision" | "destroy" = "provision", createdAt = new Date()) {
  const n = ++counter;
  const customer = await t.db.prisma.customer.create({
    data: { email: `jobs${n}@example.com`, firstName: "J", lastName: "Ob", company: "Jobs", phone: "+33612345678" },
  });
  const tenant = await t.db.prisma.tenant.create({
    data: { slug: `jobs-${n}`, customerId: customer.id, statusToken: `job-token-${n}` },
  });
  const job = await t.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind, createdAt, runAfter: createdAt } });
  return { tenant, job };
}

function options(definitions: Record<string, JobDefinition>, clock: Clock = systemClock): JobRunnerOptions {
  return {
    prisma: t.db.prisma,
    clock,
    logger: silentLogger,
    workerId: "worker-a",
    leaseMs: 30_000,
    timeoutMs: 300_000,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    definitions,
  };
}

beforeEach(async () => {
  // Each test sees only its own jobs.
  await t.db.prisma.provisioningJob.updateMany({ where: { status: { in: ["queued", "running"] } }, data: { status: "canceled" } });
});

describe(`job queue (${process.env.TEST_DB_KIND})`, () => {
  it("claims a due job once, with a lease, and takes it over when the lease has expired", async () => {
    const { job } = await newTenantWithJob();
    const now = new Date();
    const claimed = await claimNextJob(t.db.prisma, "worker-a", now, 10_000);
    expect(claimed).toMatchObject({ id: job.id, kind: "provision", attempts: 1 });
    expect(await claimNextJob(t.db.prisma, "worker-b", now, 10_000)).toBeNull();

    // worker-a dies; once its lease is over, worker-b takes the job over.
    const later = new Date(now.getTime() + 11_000);
    const takenOver = await claimNextJob(t.db.prisma, "worker-b", later, 10_000);
    expect(takenOver).toMatchObject({ id: job.id, attempts: 2 });
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.leaseOwner).toBe("worker-b");
    expect(row.startedAt?.getTime()).toBe(now.getTime());
  });

  it("does not claim a job before its runAfter", async () => {
    const future = new Date(Date.now() + 60_000);
    await newTenantWithJob("provision", future);
    expect(await claimNextJob(t.db.prisma, "w", new Date(), 10_000)).toBeNull();
    expect(await claimNextJob(t.db.prisma, "w", new Date(future.getTime() + 1), 10_000)).not.toBeNull();
  });

  it("runs one tenant's jobs one at a time, oldest first", async () => {
    const { tenant, job: first } = await newTenantWithJob("provision", new Date(Date.now() - 2_000));
    const second = await t.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind: "destroy" } });
    const now = new Date();
    expect((await claimNextJob(t.db.prisma, "w1", now, 10_000))?.id).toBe(first.id);
    expect(await claimNextJob(t.db.prisma, "w2", now, 10_000)).toBeNull();
    await t.db.prisma.provisioningJob.update({ where: { id: first.id }, data: { status: "succeeded" } });
    expect((await claimNextJob(t.db.prisma, "w2", now, 10_000))?.id).toBe(second.id);
  });

  it("claims concurrently without handing one job to two workers", async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, () => newTenantWithJob()));
    const now = new Date();
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimNextJob(t.db.prisma, `w${i}`, now, 10_000)));
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(jobs.map((j) => j.job.id).sort());
  });
});

describe(`step runner (${process.env.TEST_DB_KIND})`, () => {
  it("records each step and finishes the job", async () => {
    const { job } = await newTenantWithJob();
    const ran: string[] = [];
    const definition: JobDefinition = {
      steps: ["one", "two", "three"].map((name) => ({ name, run: async () => void ran.push(name) })),
    };
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    await runClaimedJob(options({ provision: definition }), claimed);
    expect(ran).toEqual(["one", "two", "three"]);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(row.status).toBe("succeeded");
    expect(row.leaseOwner).toBeNull();
    expect(row.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([["one", "succeeded", 1], ["two", "succeeded", 1], ["three", "succeeded", 1]]);
    expect(row.steps.every((s) => s.startedAt && s.finishedAt)).toBe(true);
  });

  it("sends a transient failure back to the queue with a delay, then resumes after the last finished step", async () => {
    const { job } = await newTenantWithJob();
    let failures = 0;
    const ran: string[] = [];
    const definition: JobDefinition = {
      steps: [
        { name: "first", run: async () => void ran.push("first") },
        {
          name: "flaky",
          run: async () => {
            ran.push("flaky");
            if (failures++ === 0) throw new DriverError("engine answered 503", { transient: true });
          },
        },
      ],
    };
    const now = new Date();
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", now, 30_000))!;
    await runClaimedJob(options({ provision: definition }), claimed);
    const queued = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(queued.status).toBe("queued");
    expect(queued.lastError).toBe("engine answered 503");
    expect(queued.runAfter.getTime()).toBeGreaterThan(now.getTime() + 400);

    const again = (await claimNextJob(t.db.prisma, "worker-a", new Date(queued.runAfter.getTime() + 1), 30_000))!;
    await runClaimedJob(options({ provision: definition }), again);
    expect(ran).toEqual(["first", "flaky", "flaky"]);
    const done = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(2);
    expect(done.steps.find((s) => s.name === "flaky")?.attempts).toBe(2);
  });

  it("fails at once on a permanent error, compensates, and stores no secret", async () => {
    const { job, tenant } = await newTenantWithJob();
    const secret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const calls: string[] = [];
    const definition: JobDefinition = {
      steps: [
        {
          name: "deploy",
          run: async (context) => {
            context.registerSecret(secret);
            throw new ImageMissingError(`vendor/app:1 (password=${secret})`);
          },
        },
      ],
      compensate: async (_context, reason) => void calls.push(`compensate: ${reason}`),
      markFailed: async (context, reason) => {
        calls.push("markFailed");
        await t.db.prisma.tenant.update({ where: { id: context.tenant.id }, data: { actualState: "failed", progress: reason } });
      },
    };
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    await runClaimedJob(options({ provision: definition }), claimed);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/^Image vendor\/app:1 \(password=\*\*\*\) is not available/);
    expect(row.steps[0]?.error).not.toContain(secret);
    expect(row.lastError).not.toContain(secret);
    expect(calls).toEqual([expect.stringMatching(/^compensate: Image/), "markFailed"]);
    expect((await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).actualState).toBe("failed");
  });

  it("fails a job that runs out of time even on transient errors", async () => {
    const { job } = await newTenantWithJob();
    let compensated = false;
    const definition: JobDefinition = {
      steps: [{ name: "wait", run: async () => { throw new DriverError("engine busy", { transient: true }); } }],
      compensate: async () => void (compensated = true),
    };
    const started = new Date(Date.now() - 299_500); // 0.5 s left of a 5-minute budget
    await t.db.prisma.provisioningJob.update({ where: { id: job.id }, data: { startedAt: started } });
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    await runClaimedJob(options({ provision: definition }), claimed);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("failed");
    expect(compensated).toBe(true);
  });

  it("stops a step at the job's deadline", async () => {
    const { job } = await newTenantWithJob();
    const definition: JobDefinition = {
      steps: [{ name: "hang", run: (context) => systemClock.sleep(60_000, context.signal) }],
    };
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    await runClaimedJob({ ...options({ provision: definition }), timeoutMs: 300 }, claimed);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/did not finish within 0 s|did not finish within/);
    expect(row.steps[0]?.status).toBe("failed");
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`fencing tokens and the heartbeat (${process.env.TEST_DB_KIND})`, () => {
  it("stops the heartbeat and requeues the job when the database fails before the first step", async () => {
    const { job } = await newTenantWithJob();
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 1_200))!;
    // The tenant cannot be read (a database error right after the heartbeat would have started).
    const broken = { ...claimed, tenantId: "no-such-tenant" };
    const runner = { ...options({ provision: { steps: [] } }), leaseMs: 1_200, heartbeatMs: 100, backoff: { baseMs: 1, maxMs: 1 } };
    await expect(runClaimedJob(runner, broken)).resolves.toBeUndefined();
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "queued", leaseOwner: null, leaseToken: null });
    expect(row.lastError).toMatch(/Could not read the job's tenant/);
    // Nothing keeps renewing it: once the lease would have expired, the job is claimed again.
    await sleep(1_500);
    const again = await claimNextJob(t.db.prisma, "worker-b", new Date(), 30_000);
    expect(again?.id).toBe(job.id);
  });

  it("a runner whose job was taken over (the same worker claimed it again) compensates, marks and writes nothing", async () => {
    const { job, tenant } = await newTenantWithJob();
    const calls: string[] = [];
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { open, opened };
    };
    const firstStep = gate();
    const secondStep = gate();
    const definition = (runner: string, step: () => Promise<void>): JobDefinition => ({
      steps: [{ name: "deploy", run: step }],
      compensate: async () => void calls.push(`${runner} compensated`),
      markFailed: async (context) => {
        calls.push(`${runner} marked failed`);
        await t.db.prisma.tenant.update({ where: { id: context.tenant.id }, data: { actualState: "failed" } });
      },
    });

    // Runner 1 claims with a 1 s lease and stalls: its heartbeat does not beat in time (it is
    // paced for a long lease, so its first renewal would come after 200 s).
    const first = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 1_000))!;
    const runner1 = runClaimedJob(
      {
        ...options({
          provision: definition("runner 1", async () => {
            await firstStep.opened;
            throw new ImageMissingError("vendor/app:1");
          }),
        }),
        leaseMs: 600_000,
      },
      first,
    );
    await sleep(1_300);

    // Its lease expired: runner 2 (in the same worker) takes the job over and starts the step.
    const second = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    expect(second.id).toBe(job.id);
    expect(second.leaseToken).not.toBe(first.leaseToken);
    let runner2Started = false;
    const runner2 = runClaimedJob(
      options({
        provision: definition("runner 2", async () => {
          runner2Started = true;
          await secondStep.opened;
        }),
      }),
      second,
    );
    while (!runner2Started) await sleep(20);

    // Runner 1's step now fails for good: it must leave everything to runner 2.
    firstStep.open();
    await runner1;
    expect(calls).toEqual([]);
    const during = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(during).toMatchObject({ status: "running", leaseToken: second.leaseToken, lastError: null });
    expect(during.steps.map((s) => [s.name, s.status, s.attempts, s.error])).toEqual([["deploy", "running", 2, null]]);
    expect((await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).actualState).not.toBe("failed");

    secondStep.open();
    await runner2;
    const after = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
    expect(after.status).toBe("succeeded");
    expect(after.steps[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(calls).toEqual([]);
  });

  it("waits for a step that ignores the abort signal before compensating at the deadline", async () => {
    const { job } = await newTenantWithJob();
    let stepSettled = false;
    let compensatedWhileStepPending: boolean | undefined;
    const definition: JobDefinition = {
      steps: [
        {
          name: "deploy",
          // Like a synchronous Portainer deploy: it keeps going whatever the signal says.
          run: async () => {
            await sleep(1_000);
            stepSettled = true;
          },
        },
      ],
      compensate: async () => void (compensatedWhileStepPending = !stepSettled),
    };
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", new Date(), 30_000))!;
    await runClaimedJob({ ...options({ provision: definition }), timeoutMs: 200 }, claimed);
    expect(compensatedWhileStepPending).toBe(false);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/did not finish within/);
  });

  it("does not count an engine outage longer than the job's timeout against its deadline", async () => {
    const { job } = await newTenantWithJob();
    let current = new Date();
    const clock: Clock = { now: () => current, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    let engineUp = false;
    const definition: JobDefinition = {
      steps: [
        {
          name: "deploy",
          run: async () => {
            if (!engineUp) throw new EngineUnavailableError("Cannot reach the Docker engine at /var/run/docker.sock.");
          },
        },
      ],
      compensate: async () => {
        throw new Error("must not compensate");
      },
    };
    const runner = { ...options({ provision: definition }, clock), backoff: { baseMs: 1_000, maxMs: 1_000 } };
    const claimed = (await claimNextJob(t.db.prisma, "worker-a", clock.now(), 30_000))!;
    await runClaimedJob(runner, claimed);
    const waiting = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(waiting.status).toBe("queued");

    // The engine stays down for 10 minutes (twice the 5-minute timeout); the worker claims nothing.
    const retryAt = waiting.runAfter.getTime();
    current = new Date(current.getTime() + 10 * 60_000);
    engineUp = true;
    const again = (await claimNextJob(t.db.prisma, "worker-a", clock.now(), 30_000))!;
    expect(again.id).toBe(job.id);
    expect(again.engineWaitMs).toBe(current.getTime() - retryAt);
    await runClaimedJob(runner, again);
    const row = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "succeeded", lastError: null });
  });
});
