// A job runner in another process is stalled for real (SIGSTOP) past its lease; a second runner
// takes the job over and works on it; the first is continued and its step fails for good. It must
// not compensate (remove the stack and its volume), mark the tenant failed, or write the job's
// rows: its fencing token is stale. PostgreSQL only: the embedded database lives in one process
// (jobs.test.ts runs the same takeover with two runners in one process on both databases).
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../orchestrator/clock.ts";
import { claimNextJob } from "../../orchestrator/jobs/job-store.ts";
import { runClaimedJob } from "../../orchestrator/jobs/run-job.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../support/test-database.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(testDatabaseKind() !== "postgres")("a runner process stalled past its lease (postgres)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it("removes nothing, marks nothing and writes nothing once its job was taken over", async () => {
    const customer = await t.db.prisma.customer.create({
      data: { email: "stalled@example.com", firstName: "S", lastName: "Talled", company: "Stall", phone: "+33612345678" },
    });
    const tenant = await t.db.prisma.tenant.create({ data: { slug: "stalled", customerId: customer.id, statusToken: "stalled-token" } });
    const job = await t.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind: "provision" } });

    const child = spawn(process.execPath, ["--import", "tsx", "tests/support/job-runner-process.ts", t.url!, "worker-stalled"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      for (let i = 0; !output.includes("step started"); i++) {
        if (i > 300) throw new Error(`the runner process never started its step:\n${output}`);
        await sleep(100);
      }
      child.kill("SIGSTOP"); // stalled for real: not even its heartbeat runs
      // Its 1 s lease runs out (a renewal sent just before the stop may still land: poll).
      let takeover: Awaited<ReturnType<typeof claimNextJob>> = null;
      for (let i = 0; !takeover; i++) {
        if (i > 100) throw new Error("the stalled runner's lease never expired");
        await sleep(100);
        takeover = await claimNextJob(t.db.prisma, "worker-rescuer", new Date(), 30_000);
      }
      expect(takeover.id).toBe(job.id);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      const rescuer = runClaimedJob(
        {
          prisma: t.db.prisma,
          clock: systemClock,
          logger: silentLogger,
          workerId: "worker-rescuer",
          leaseMs: 30_000,
          timeoutMs: 300_000,
          backoff: { baseMs: 1_000, maxMs: 30_000 },
          definitions: {
            provision: {
              steps: [{ name: "deploy", run: async () => void ((started = true), await released) }],
              compensate: async () => {
                throw new Error("the rescuer must not compensate either");
              },
            },
          },
        },
        takeover,
      );
      while (!started) await sleep(20);

      child.kill("SIGCONT"); // its step now fails for good, while the rescuer works
      expect(await exited).toBe(0);
      expect(output).toContain("runner ended");
      expect(output).not.toContain("COMPENSATED");
      expect(output).not.toContain("MARKED FAILED");
      const during = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
      expect(during).toMatchObject({ status: "running", leaseOwner: "worker-rescuer", lastError: null });
      expect(during.steps.map((s) => [s.status, s.attempts, s.error])).toEqual([["running", 2, null]]);

      release();
      await rescuer;
      const after = await t.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id }, include: { steps: true } });
      expect(after.status).toBe("succeeded");
      expect(after.steps[0]?.status).toBe("succeeded");
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      }
    }
  });
});
