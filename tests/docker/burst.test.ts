// Twenty signups at the same moment: twenty stacks, no port collision, all ready.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineResourcesOf, signUp, startTenantLab, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

describe("20 signups at once", () => {
  let lab: TenantLab;
  beforeAll(async () => {
    lab = await startTenantLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("gives twenty running stacks on twenty distinct ports", async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => signUp(lab, `Burst ${lab.tag} ${i}`)));
    const tenants = await waitForJobs(lab, created.map((t) => t.id), 600_000);
    expect(tenants.filter((t) => t.jobs[0]?.status === "succeeded" && t.actualState === "active")).toHaveLength(20);
    const ports = tenants.map((t) => t.portLeases[0]?.port);
    expect(new Set(ports).size).toBe(20);
    for (const tenant of tenants) {
      const resources = await engineResourcesOf(tenant.id);
      expect(resources.containers.map((c) => c.state)).toEqual(["running", "running"]);
      const published = resources.containers.flatMap((c) => c.ports.filter((p) => p.PublicPort).map((p) => p.PublicPort));
      expect(published).toEqual([tenant.portLeases[0]!.port]);
      const health = await fetch(`http://127.0.0.1:${tenant.portLeases[0]!.port}/health`);
      expect(health.status).toBe(200);
    }
  }, 900_000);
});
