// Tenant routes set by jobs and put back by the reconciler (issue 14, second block), on the real
// Docker engine and a real `caddy run` (Debian's package: CADDY_PATH, or caddy on PATH) started with
// nothing but its admin address, on free loopback ports. The orchestrator is wired as the portal
// wires it, with the proxy on: provisioning opens <slug>.routes.test on Caddy's HTTP port to the
// tenant's login page; suspend turns it into the 503 suspended page (French and English, the
// vendor's name); resume gives the app back; Caddy restarted empty gets every route back (and loses
// a route of no tenant) after one reconcile pass; destroy deletes the route. A provisioning that
// fails after its route was set leaves none: its compensation deletes it, and when Caddy is down
// then, the compensation still ends and the next reconcile pass deletes the failed tenant's route.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyAdmin, OrchestratorError, requestJob, tenantRoute, tenantRouteId, type CaddyAdmin, type Orchestrator, type Worker } from "../../orchestrator/index.ts";
import { bareCaddy, httpGetWithHost, type BareCaddy } from "../support/caddy-process.ts";
import { capturingLogger, dueTasksSucceed, engineOrchestrator, jobSucceeds } from "../support/engine-orchestrator.ts";
import { freePort } from "../support/portal.ts";
import { trialSignup } from "../support/signup-fixtures.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const ADMIN = "caddy-routes-test@example.com";
const VENDOR = "Acme ERP Cloud";

describe("tenant routes in Caddy, kept by jobs and the reconciler", () => {
  let database: TestDatabase;
  let orchestrator: Orchestrator;
  let worker: Worker;
  let dir: string;
  // Only its admin address: Caddy starts with no http app at all, as after a restart on an empty config.
  let caddy: BareCaddy | undefined;
  let httpPort: number;
  let admin: CaddyAdmin;
  const { logger, lines: logLines } = capturingLogger();
  const company = `A Routes ${randomBytes(3).toString("hex")}`;
  // Set by the failure test: after that step, the step fails for good (and Caddy is stopped first when asked).
  let failAfter: { step: string; stopCaddy: boolean } | null = null;
  const failedTenants: string[] = [];
  let tenantId: string;
  let slug: string;
  const host = () => `${slug}.routes.test`;
  const startCaddy = () => caddy!.start();
  const stopCaddy = async () => caddy?.stop();

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-caddy-routes-"));
    caddy = await bareCaddy(dir, await freePort());
    httpPort = await freePort();
    admin = caddyAdmin(caddy.adminUrl);
    orchestrator = await engineOrchestrator({
      prisma: database.db.prisma,
      logger,
      portRange: { first: 47600, last: 47649 },
      mailboxDir: path.join(dir, "mailbox"),
      proxy: { adminUrl: caddy.adminUrl, hostPattern: "{slug}.routes.test", listen: `127.0.0.1:${httpPort}`, vendorName: VENDOR },
      afterStepWork: async (step) => {
        if (failAfter?.step !== step) return;
        if (failAfter.stopCaddy) await stopCaddy();
        throw new OrchestratorError(`test: ${step} made to fail for good`, { transient: false });
      },
    });
    worker = orchestrator.startWorker();
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    if (tenantId) await removeTenantsFromEngine([tenantId, ...failedTenants]);
    await stopCaddy();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const prisma = () => database.db.prisma;

  const context = () => `${logLines.slice(-20).join("\n")}\n${caddy?.output().slice(-2000) ?? ""}`;
  const jobEnds = (jobId: string) => jobSucceeds(prisma(), jobId, context);

  async function runLifecycleJob(action: "suspend" | "resume" | "destroy") {
    const desiredState = ({ suspend: "suspended", resume: "active", destroy: "destroyed" } as const)[action];
    const jobId = await prisma().$transaction(async (tx) => {
      await tx.tenant.update({ where: { id: tenantId }, data: { desiredState } });
      return requestJob(tx, { tenantId, kind: action, requestedBy: ADMIN, audit: { actorType: "admin", actorId: ADMIN, action: `admin.${action}`, outcome: "queued" } });
    });
    return jobEnds(jobId);
  }

  function expectLoginPage(answer: { status: number; body: string }) {
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("Sign in / Connexion");
  }

  function expectSuspendedPage(answer: { status: number; type: string; body: string }) {
    expect(answer.status).toBe(503);
    expect(answer.type).toBe("text/html; charset=utf-8");
    expect(answer.body).toContain("Cette instance est suspendue");
    expect(answer.body).toContain("This instance is suspended");
    expect(answer.body).toContain(VENDOR);
    expect(answer.body).not.toContain("Sign in / Connexion");
  }

  /** One reconcile pass (with the other tasks of the period), as the scheduler runs it. */
  async function reconcilePass(minutesAhead: number) {
    const reports = await dueTasksSucceed(orchestrator, new Date(Date.now() + minutesAhead * 60_000), ["reconcile"], () => logLines.slice(-20).join("\n"));
    return reports.reconcile!;
  }

  it("provision: the tenant's hostname on Caddy answers the tenant's login page", async () => {
    const created = await trialSignup(prisma(), { company });
    tenantId = created.id;
    slug = created.slug;
    const done = await jobEnds(created.jobs[0]!.id);
    // The route is set once the app is healthy, before the tenant is active.
    const names = done.steps.map((s) => s.name);
    expect(names.indexOf("route:app")).toBe(names.indexOf("activate") - 1);
    expectLoginPage(await httpGetWithHost(httpPort, host()));
    // Another hostname is not routed to the tenant.
    expect((await httpGetWithHost(httpPort, "someone-else.routes.test")).body).not.toContain("Sign in / Connexion");
    expect(await admin.listTenantRouteIds()).toEqual([tenantRouteId(tenantId)]);
  });

  it("suspend: 503 with the suspended page in French and English; back after Caddy restarts empty", async () => {
    await runLifecycleJob("suspend");
    expectSuspendedPage(await httpGetWithHost(httpPort, host()));

    await stopCaddy();
    await startCaddy();
    await expect(httpGetWithHost(httpPort, host())).rejects.toThrow();
    await reconcilePass(10);
    expectSuspendedPage(await httpGetWithHost(httpPort, host()));
  });

  it("resume: the app again; Caddy restarted empty gets the route back, and loses a route of no tenant", async () => {
    await runLifecycleJob("resume");
    expectLoginPage(await httpGetWithHost(httpPort, host()));

    await stopCaddy();
    await startCaddy();
    await expect(httpGetWithHost(httpPort, host())).rejects.toThrow();
    // A route left by a tenant the database no longer knows (its @id under our prefix).
    const strayId = tenantRouteId("00000000-0000-4000-8000-000000000000");
    await admin.ensureTenantServer([`127.0.0.1:${httpPort}`]);
    await admin.upsertRoute(tenantRoute({ tenantId: "00000000-0000-4000-8000-000000000000", hostnames: ["gone.routes.test"], upstream: "127.0.0.1:9" }));
    expect(await admin.listTenantRouteIds()).toContain(strayId);

    const report = await reconcilePass(20);
    expect(report.summary).toMatchObject({ routesPut: 1, routesRemoved: 1 });
    expectLoginPage(await httpGetWithHost(httpPort, host()));
    expect(await admin.listTenantRouteIds()).toEqual([tenantRouteId(tenantId)]);

    // A second pass finds everything in place and changes nothing.
    expect((await reconcilePass(30)).summary).toMatchObject({ routesPut: 0, routesRemoved: 0, routesUnchanged: 1 });
  });

  it("destroy: the route is gone, Caddy answers without reaching an app", async () => {
    const done = await runLifecycleJob("destroy");
    expect(done.steps[0]!.name).toBe("route:none");
    expect(await admin.listTenantRouteIds()).toEqual([]);
    const answer = await httpGetWithHost(httpPort, host());
    expect(answer.body).not.toContain("Sign in / Connexion");
    expect(answer.status).not.toBe(503);
    // The reconciler does not bring it back.
    await reconcilePass(40);
    expect(await admin.listTenantRouteIds()).toEqual([]);
  });

  /** Signs up a tenant whose provisioning fails right after its route step; returns it once its job failed. */
  async function failedProvisioning(stopCaddyFirst: boolean) {
    failAfter = { step: "route:app", stopCaddy: stopCaddyFirst };
    try {
      const tenant = await trialSignup(prisma(), { company: `A Routes fail ${randomBytes(3).toString("hex")}` });
      failedTenants.push(tenant.id);
      const deadline = Date.now() + 240_000;
      for (;;) {
        const job = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: tenant.jobs[0]!.id } });
        if (job.status === "failed") break;
        if (job.status === "succeeded" || Date.now() > deadline) throw new Error(`provision job ${job.status}, expected failed\n${logLines.slice(-20).join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenant.id } })).actualState).toBe("failed");
      return tenant;
    } finally {
      failAfter = null;
    }
  }

  it("a provisioning that fails after its route was set leaves no route: the compensation deletes it", async () => {
    const tenant = await failedProvisioning(false);
    expect(await admin.listTenantRouteIds()).not.toContain(tenantRouteId(tenant.id));
    expect((await httpGetWithHost(httpPort, `${tenant.slug}.routes.test`)).body).not.toContain("Sign in / Connexion");
    expect(logLines.some((line) => line.includes('"target":"none"') && line.includes('"outcome":"deleted"') && line.includes(tenant.slug))).toBe(true);
  });

  it("Caddy down during the compensation: the job still fails (not stuck), and the next reconcile pass deletes the failed tenant's route", async () => {
    const tenant = await failedProvisioning(true);
    expect(logLines.some((line) => line.startsWith("warn tenant route not removed after the failure") && line.includes(tenant.slug))).toBe(true);
    // Caddy back with the route still in it (as a Caddy that kept its configuration would be).
    await startCaddy();
    await admin.ensureTenantServer([`127.0.0.1:${httpPort}`]);
    await admin.upsertRoute(tenantRoute({ tenantId: tenant.id, hostnames: [`${tenant.slug}.routes.test`], upstream: "127.0.0.1:9" }));
    expect(await admin.listTenantRouteIds()).toContain(tenantRouteId(tenant.id));
    await reconcilePass(50);
    expect(await admin.listTenantRouteIds()).not.toContain(tenantRouteId(tenant.id));
  });
});
