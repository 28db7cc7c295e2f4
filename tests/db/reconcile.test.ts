// The reconciler's database side on PostgreSQL and PGlite (the same file on both): what it records
// of a tenant, the repair it asks for once however many reconcilers look at once, the flag after
// two failed repairs, the strays list, and an engine that does not answer (a Docker driver on a
// socket that does not exist: the real driver, no engine). The engine side, with real containers,
// is tests/docker/reconcile.test.ts.
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import type { EngineResource } from "../../orchestrator/driver.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { recordObservation, type TenantSnapshot } from "../../orchestrator/reconcile/drift.ts";
import { findStrays, observeTenant, type TenantObservation } from "../../orchestrator/reconcile/observe.ts";
import { reconcileTask } from "../../orchestrator/reconcile/reconcile-task.ts";
import { recordStrays } from "../../orchestrator/reconcile/strays.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { runDueTasks } from "../../orchestrator/scheduler/scheduler.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
let deps: SchedulerDeps;
const prisma = () => t.db.prisma;

beforeAll(async () => {
  t = await createTestDatabase();
  const template = (await loadTemplates(path.resolve("compose-templates"))).get("demo")!;
  deps = {
    prisma: t.db.prisma,
    // No engine answers on this socket: the reconciler's "unreachable" path, with the real driver.
    driver: createDockerDriver({ docker: new Dockerode({ socketPath: `/tmp/tenantry-no-engine-${randomBytes(4).toString("hex")}.sock` }) }),
    clock: systemClock,
    logger: silentLogger,
    secretBox: new SecretBox(randomBytes(32)),
    template,
    templateValues: {},
    portRange: { first: 43_100, last: 43_199 },
    bindAddress: "127.0.0.1",
    tenantUrl: "http://localhost:{port}/",
    finalDumps: { dir: "/nonexistent", retentionDays: 90 },
    time: defaultTimeSettings(),
    notify: { mode: "mock", emails: [], vendorName: "Tenantry", locale: "en" },
  };
});
afterAll(async () => {
  await t?.dispose();
});

/** A tenant provisioned and active (its provisioning job done), as the reconciler finds it. */
async function activeTenant(): Promise<string> {
  const outcome = await registerTrialSignup(prisma(), signupData({ company: `Drift ${randomBytes(3).toString("hex")}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
  const tenant = await prisma().tenant.update({ where: { statusToken: outcome.statusToken }, data: { actualState: "active" } });
  await prisma().provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded", finishedAt: new Date() } });
  return tenant.id;
}

const snapshot = (id: string): Promise<TenantSnapshot> =>
  prisma().tenant.findUniqueOrThrow({ where: { id }, select: { id: true, slug: true, updatedAt: true } });
const audits = (tenantId: string, action: string) => prisma().auditLog.findMany({ where: { tenantId, action }, orderBy: { id: "asc" } });
const missingApp: TenantObservation = { state: "missing", services: ["app"] };
const asOf = new Date("2026-12-03T10:05:00Z");

describe("what the engine shows, compared (pure)", () => {
  const container = (project: string, service: string, state: string, tenantId: string | null = null): EngineResource => ({
    kind: "container",
    name: `${project}-${service}`,
    project,
    tenantId,
    service,
    state,
  });

  it("running, stopped or missing, by the template's services", () => {
    const resources = [container("client-a", "app", "running"), container("client-a", "postgres", "running"), container("client-b", "postgres", "exited")];
    expect(observeTenant(resources, "a", ["app", "postgres"])).toEqual({ state: "running", services: [] });
    expect(observeTenant(resources, "b", ["app", "postgres"])).toEqual({ state: "missing", services: ["app"] });
    expect(observeTenant(resources.slice(2), "b", ["postgres"])).toEqual({ state: "stopped", services: ["postgres"] });
  });

  it("strays: unknown tenant id or project, a destroyed tenant's leftovers, another tenant's project", () => {
    const tenants = [
      { id: "t1", slug: "one", live: true },
      { id: "t2", slug: "two", live: false },
    ];
    const resources = [
      container("client-one", "app", "running", "t1"),
      container("client-one", "db", "running", null),
      container("client-x", "app", "running", "unknown"),
      container("client-two", "app", "exited", "t2"),
      container("client-zzz", "app", "exited", "t1"),
      { kind: "volume", name: "orphan", project: null, tenantId: null, service: null, state: null } as EngineResource,
    ];
    expect(findStrays(resources, tenants).map((r) => r.name)).toEqual(["client-x-app", "client-two-app", "client-zzz-app", "orphan"]);
  });
});

describe("a tenant's drift, recorded under its row lock", () => {
  it("asks for one repair however many reconcilers saw the drift at once; a busy tenant is left alone", async () => {
    const tenantId = await activeTenant();
    const seen = await snapshot(tenantId);
    const outcomes = await Promise.all([1, 2, 3].map(() => recordObservation(deps, seen, missingApp, asOf)));
    expect(outcomes.sort()).toEqual(["changed", "changed", "repair_requested"]);
    const jobs = await prisma().provisioningJob.findMany({ where: { tenantId, kind: "reconcile" } });
    expect(jobs.map((j) => [j.status, j.requestedBy])).toEqual([["queued", "reconciler"]]);
    const drift = await audits(tenantId, "tenant.drift_detected");
    expect(drift.map((a) => [a.actorType, a.actorId, a.outcome])).toEqual([["system", "scheduler", "queued"]]);
    expect(drift[0]!.details).toMatchObject({ observed: "missing", services: "app", jobId: jobs[0]!.id });
    expect(await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({ observedState: "missing", observedAt: asOf });

    // The repair is queued: the next pass records what it sees and asks for nothing more.
    expect(await recordObservation(deps, await snapshot(tenantId), missingApp, asOf)).toBe("busy");
    expect(await prisma().provisioningJob.count({ where: { tenantId, kind: "reconcile" } })).toBe(1);
  });

  it("after two failed repairs flags the tenant once, then leaves it; seen running again, it is cleared", async () => {
    const tenantId = await activeTenant();
    await prisma().tenant.update({ where: { id: tenantId }, data: { repairFailures: 2 } });
    expect(await recordObservation(deps, await snapshot(tenantId), missingApp, asOf)).toBe("flagged");
    expect(await recordObservation(deps, await snapshot(tenantId), missingApp, asOf)).toBe("left_flagged");
    expect(await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({
      attentionReason: "repairs_failed:missing:app",
      repairFailures: 2,
      actualState: "active",
    });
    expect(await audits(tenantId, "tenant.flagged")).toHaveLength(1);
    expect(await prisma().provisioningJob.count({ where: { tenantId, kind: "reconcile" } })).toBe(0);
    const alerts = await prisma().operatorNotification.findMany({ where: { idempotencyKey: { contains: tenantId } } });
    expect(alerts.map((a) => [a.kind, a.severity])).toEqual([["alert.reconciliation_failed", "critical"]]);
    // Ids and slugs only: no customer's name or email in the alert.
    expect(JSON.stringify(alerts[0]!.payload)).not.toContain("@");

    expect(await recordObservation(deps, await snapshot(tenantId), { state: "running", services: [] }, asOf)).toBe("healthy");
    expect(await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).toMatchObject({
      observedState: "running",
      repairFailures: 0,
      attentionReason: null,
    });
  });

  it("a suspended tenant's stopped stack is recorded, not repaired", async () => {
    const tenantId = await activeTenant();
    await prisma().tenant.update({ where: { id: tenantId }, data: { desiredState: "suspended", actualState: "suspended" } });
    expect(await recordObservation(deps, await snapshot(tenantId), { state: "stopped", services: ["app", "postgres"] }, asOf)).toBe("observed");
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).observedState).toBe("stopped");
    expect(await prisma().provisioningJob.count({ where: { tenantId, kind: "reconcile" } })).toBe(0);
  });
});

describe("strays", () => {
  it("keeps first seen, moves last seen, forgets what is gone; two passes at once write each once", async () => {
    const volume: EngineResource = { kind: "volume", name: `stray-${randomUUID()}`, project: "client-gone", tenantId: randomUUID(), service: null, state: null };
    const network: EngineResource = { kind: "network", name: `stray-${randomUUID()}`, project: null, tenantId: null, service: null, state: null };
    const later = new Date(asOf.getTime() + 300_000);
    await Promise.all([recordStrays(deps, [volume, network], asOf), recordStrays(deps, [volume, network], asOf)]);
    expect(await prisma().strayResource.count()).toBe(2);
    expect(await recordStrays(deps, [volume], later)).toEqual({ strays: 1, newStrays: 0 });
    expect(await prisma().strayResource.findMany()).toEqual([
      expect.objectContaining({ kind: "volume", name: volume.name, project: "client-gone", tenantLabel: volume.tenantId, firstSeenAt: asOf, lastSeenAt: later }),
    ]);
    await recordStrays(deps, [], later);
    expect(await prisma().strayResource.count()).toBe(0);
  });
});

describe("an engine that does not answer", () => {
  it("marks every tenant not destroyed unreachable, audited on the transition, one alert per outage", async () => {
    await prisma().strayResource.deleteMany();
    const active = await activeTenant();
    const destroyed = await activeTenant();
    await prisma().tenant.update({ where: { id: destroyed }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    const pass = (at: Date) => runDueTasks({ prisma: prisma(), clock: systemClock, logger: silentLogger, tasks: [reconcileTask(deps)] }, at);

    const [first] = await pass(new Date("2026-12-03T11:00:00Z"));
    expect(first).toMatchObject({ outcome: "succeeded", summary: { engine: "unreachable" } });
    const [second] = await pass(new Date("2026-12-03T11:05:00Z"));
    expect(second).toMatchObject({ outcome: "succeeded", summary: { engine: "unreachable", marked: 0 } });

    expect(await prisma().tenant.findUniqueOrThrow({ where: { id: active } })).toMatchObject({
      observedState: "unreachable",
      observedAt: new Date("2026-12-03T11:00:00Z"),
      actualState: "active",
    });
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: destroyed } })).observedState).toBeNull();
    expect(await audits(active, "tenant.engine_unreachable")).toHaveLength(1);
    expect(await audits(destroyed, "tenant.engine_unreachable")).toHaveLength(0);
    const alerts = await prisma().operatorNotification.findMany({ where: { idempotencyKey: { startsWith: "alert.reconciliation_failed:engine-unreachable:" } } });
    expect(alerts.map((a) => a.idempotencyKey)).toEqual(["alert.reconciliation_failed:engine-unreachable:2026-12-03T11:00:00.000Z"]);
    // Nothing was asked of the engine beyond the ping: no repair, no stray.
    expect(await prisma().provisioningJob.count({ where: { tenantId: active, kind: "reconcile" } })).toBe(0);
  });
});
