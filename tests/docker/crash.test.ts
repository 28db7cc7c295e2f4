// The worker is killed with SIGKILL in the middle of each provisioning step in turn (after the
// step's work, before it is recorded: the worst moment). A new worker takes the job over once the
// lease expires; every job completes with exactly one stack per tenant and nothing orphaned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnPortal } from "../support/portal.ts";
import { engineResourcesOf, logIn, signUp, startTenantLab, tenantSecrets, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const STEPS = [
  "reserve",
  "deploy",
  "ready:postgres-accepts-connections",
  "ready:users-table-exists",
  "create-initial-user",
  "ready:app-health",
  "activate",
];

describe("a worker killed in the middle of each step", () => {
  let lab: TenantLab;
  beforeAll(async () => {
    // The portal takes signups; workers run on their own so the test can kill them.
    lab = await startTenantLab({ WORKER: "false", WORKER_LEASE_SECONDS: "3" });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const startWorker = (pause?: string) =>
    spawnPortal({ ...lab.env, WORKER_LEASE_SECONDS: "3", ...(pause ? { TENANTRY_CRASH_TEST_PAUSE: pause } : {}) }, "app/worker.ts");

  async function waitForOutput(worker: ReturnType<typeof startWorker>, text: string, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    while (!worker.output().includes(text)) {
      if (Date.now() > deadline) throw new Error(`worker never printed "${text}":\n${worker.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it.each(STEPS)("recovers from a SIGKILL in step %s", async (step) => {
    const tenant = await signUp(lab, `Crash ${step.replace(/[^a-z]/g, " ")} ${lab.tag}`);

    const doomed = startWorker(`${step}:60000`);
    await waitForOutput(doomed, `crash-test pause in step ${step}`);
    doomed.kill("SIGKILL");
    expect(await doomed.exited).toBe(null); // killed by the signal, no clean exit
    const interrupted = await lab.db.prisma.jobStep.findFirstOrThrow({ where: { job: { tenantId: tenant.id }, name: step } });
    expect(interrupted.status).toBe("running");

    const rescuer = startWorker();
    try {
      const [done] = await waitForJobs(lab, [tenant.id], 180_000);
      expect(done!.jobs[0]!.status).toBe("succeeded");
      expect(done!.actualState).toBe("active");
      expect(done!.jobs[0]!.steps.find((s) => s.name === step)?.attempts).toBe(2);
      expect(done!.portLeases).toHaveLength(1);

      // Exactly one stack, nothing orphaned.
      const resources = await engineResourcesOf(tenant.id);
      expect(resources.containers.map((c) => c.name).sort()).toEqual([`${tenant.slug}-app`, `${tenant.slug}-postgres`]);
      expect(resources.networks).toEqual([`${tenant.slug}-network`]);
      expect(resources.volumes).toEqual([`${tenant.slug}-postgres-data`]);
      // Secrets were generated once: the initial password stored is the one that logs in.
      const { initial_password: password } = await tenantSecrets(lab, tenant.id);
      expect((await logIn(done!.portLeases[0]!.port, tenant.slug, password!)).status).toBe(200);
      expect(await lab.db.prisma.tenantSecret.count({ where: { tenantId: tenant.id } })).toBe(3);
    } finally {
      rescuer.kill("SIGTERM");
      await rescuer.exited;
    }
  });
});
