// Graceful shutdown on the real engine (issue 15, must-show 5). The real portal process (HTTP,
// worker, scheduler and senders in one) gets SIGTERM while a provisioning step is in flight: the
// step finishes, the job is released at the step boundary with its attempt not counted, and the
// process exits 0 well within 30 s; a new portal process completes the job with nothing done
// twice: one stack (containers by label), one credentials email, each audit entry once, each step
// run once. Then the standalone worker gets SIGTERM in a step that outlasts the 20 s deadline: it
// abandons the step, still exits 0 within 30 s, and the job is taken over once its lease expires.
// Tenant ports 47300-47399 only; every tenant is removed from the engine afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/portal.ts";
import { engineResourcesOf, logIn, signUp, spawnPortal, startTenantLab, tenantSecrets, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

type Child = ReturnType<typeof spawnPortal>;

async function waitForOutput(child: Child, text: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!child.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`the process never printed "${text}":\n${child.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then the exit code and how long the exit took. */
async function terminate(child: Child): Promise<{ code: number | null; seconds: number }> {
  const sent = Date.now();
  child.kill("SIGTERM");
  const code = await Promise.race([child.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 40_000))]);
  if (code === "hung") {
    child.kill("SIGKILL");
    throw new Error(`the process did not exit within 40 s of SIGTERM:\n${child.output().slice(-3000)}`);
  }
  return { code, seconds: (Date.now() - sent) / 1000 };
}

describe("SIGTERM while a provisioning step runs", () => {
  let lab: TenantLab;
  const children: Child[] = [];
  beforeAll(async () => {
    // The lab's portal takes signups only; the processes under test run the worker.
    lab = await startTenantLab({ WORKER: "false", WORKER_LEASE_SECONDS: "3", TENANT_PORT_RANGE: "47300-47399" });
  });
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.kill("SIGKILL");
    await lab?.stop();
  });

  const portalProcess = async (extra: Record<string, string> = {}) => {
    const port = await freePort();
    const child = spawnPortal({ ...lab.env, PORT: String(port), WORKER: "true", ...extra });
    children.push(child);
    return { child, url: `http://127.0.0.1:${port}` };
  };
  const workerProcess = (extra: Record<string, string> = {}) => {
    const child = spawnPortal({ ...lab.env, ...extra }, "app/worker.ts");
    children.push(child);
    return child;
  };

  async function expectNothingDuplicated(tenantId: string, slug: string) {
    const resources = await engineResourcesOf(tenantId);
    expect(resources.containers.map((c) => c.name).sort()).toEqual([`${slug}-app`, `${slug}-postgres`]);
    expect(resources.networks).toEqual([`${slug}-network`]);
    expect(resources.volumes).toEqual([`${slug}-postgres-data`]);
    // One credentials email, delivered once.
    const deadline = Date.now() + 30_000;
    while ((await lab.db.prisma.emailOutbox.count({ where: { tenantId, status: "sent" } })) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const emails = await lab.db.prisma.emailOutbox.findMany({ where: { tenantId } });
    expect(emails.map((e) => [e.purpose, e.status, e.attempts])).toEqual([[emails[0]!.purpose, "sent", 1]]);
    // Each audit entry once.
    const audit = await lab.db.prisma.auditLog.groupBy({ by: ["action"], where: { tenantId }, _count: { _all: true } });
    expect(audit.map((a) => a.action)).toContain("tenant.provisioned");
    for (const entry of audit) expect([entry.action, entry._count._all]).toEqual([entry.action, 1]);
    // The password stored is the one that logs in: the secrets were generated once.
    const { initial_password: password } = await tenantSecrets(lab, tenantId);
    const [lease] = await lab.db.prisma.portLease.findMany({ where: { tenantId } });
    expect((await logIn(lease!.port, slug, password!)).status).toBe(200);
  }

  it("the portal finishes the step, releases the job, exits 0; the next portal completes it once", async () => {
    const tenant = await signUp(lab, `Graceful portal ${lab.tag}`);
    const doomed = await portalProcess({ TENANTRY_CRASH_TEST_PAUSE: "deploy:6000" });
    await waitForOutput(doomed.child, "crash-test pause in step deploy");
    // An idle keep-alive connection must not hold the shutdown open.
    expect((await fetch(`${doomed.url}/healthz`)).status).toBe(200);

    const { code, seconds } = await terminate(doomed.child);
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(30);
    const output = doomed.child.output();
    expect(output).toContain("job released for the next process");
    expect(output).toContain("shutdown: HTTP server closed");
    expect(output).toContain("shutdown: database closed");

    // Released at the step boundary: deploy recorded once, nothing after it started, no attempt burnt.
    const job = await lab.db.prisma.provisioningJob.findFirstOrThrow({ where: { tenantId: tenant.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(job).toMatchObject({ status: "queued", attempts: 0, leaseOwner: null, leaseToken: null });
    const deploy = job.steps.findIndex((s) => s.name === "deploy");
    expect(job.steps[deploy]).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(job.steps.slice(deploy + 1).map((s) => s.status)).toEqual(job.steps.slice(deploy + 1).map(() => "pending"));

    const rescuer = await portalProcess();
    try {
      const [done] = await waitForJobs(lab, [tenant.id], 180_000);
      expect(done!.jobs[0]).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(done!.jobs[0]!.steps.map((s) => [s.name, s.attempts])).toEqual(done!.jobs[0]!.steps.map((s) => [s.name, 1]));
      expect(done!.actualState).toBe("active");
      await expectNothingDuplicated(tenant.id, tenant.slug);
    } finally {
      expect((await terminate(rescuer.child)).code).toBe(0);
    }
  });

  it("a step outlasting the deadline is abandoned: the worker still exits 0 within 30 s, and the job is taken over after its lease", async () => {
    const tenant = await signUp(lab, `Graceful worker ${lab.tag}`);
    const doomed = workerProcess({ TENANTRY_CRASH_TEST_PAUSE: "create-initial-user:120000" });
    await waitForOutput(doomed, "crash-test pause in step create-initial-user");

    const { code, seconds } = await terminate(doomed);
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(30);
    expect(doomed.output()).toContain("provisioning worker abandoned its work in flight");
    const interrupted = await lab.db.prisma.jobStep.findFirstOrThrow({ where: { job: { tenantId: tenant.id }, name: "create-initial-user" } });
    expect(interrupted.status).toBe("running");

    const rescuer = workerProcess();
    try {
      const [done] = await waitForJobs(lab, [tenant.id], 180_000);
      // Taken over as after a crash: the abandoned claim counts, the interrupted step runs again.
      expect(done!.jobs[0]).toMatchObject({ status: "succeeded", attempts: 2 });
      expect(done!.jobs[0]!.steps.find((s) => s.name === "create-initial-user")?.attempts).toBe(2);
      expect(done!.actualState).toBe("active");
      await expectNothingDuplicated(tenant.id, tenant.slug);
    } finally {
      expect((await terminate(rescuer)).code).toBe(0);
    }
  });
});
