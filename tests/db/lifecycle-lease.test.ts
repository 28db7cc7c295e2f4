// The lifecycle jobs' own writes against a real database (PostgreSQL and PGlite): the tenant's
// state and audit entries (setState, activate, the destroy's release, markFailed) go through the
// job's lease, so a runner whose job was taken over (it stalled past its lease) has them refused
// with LeaseLostError and changes nothing, while the runner now holding the lease writes them.
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Tenant } from "../../prisma/generated/client.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import type { StackDriver } from "../../orchestrator/driver.ts";
import { claimNextJob, leaseOf, LeaseLostError, withLease, type ClaimedJob } from "../../orchestrator/jobs/job-store.ts";
import type { JobContext, JobDefinition } from "../../orchestrator/jobs/run-job.ts";
import { requestJob, type LifecycleAction } from "../../orchestrator/jobs/job-requests.ts";
import { lifecycleDefinitions } from "../../orchestrator/lifecycle/definitions.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
let definitions: Record<string, JobDefinition>;
beforeAll(async () => {
  t = await createTestDatabase();
  const template = (await loadTemplates(path.resolve("compose-templates"))).get("demo")!;
  // The writes under test touch only the database: any engine call would be a mistake here.
  const noEngine = new Proxy({} as StackDriver, {
    get: (_target, name) => () => Promise.reject(new Error(`the engine is not used in this test (driver.${String(name)})`)),
  });
  definitions = lifecycleDefinitions({
    prisma: t.db.prisma,
    driver: noEngine,
    clock: systemClock,
    logger: silentLogger,
    secretBox: new SecretBox(randomBytes(32)),
    template,
    templateValues: {},
    portRange: { first: 42_000, last: 42_099 },
    bindAddress: "127.0.0.1",
    tenantUrl: "http://localhost:{port}/",
    finalDumps: { dir: path.join(tmpdir(), "tenantry-lease-dumps"), retentionDays: 90 },
  });
});
afterAll(async () => {
  await t?.dispose();
});
beforeEach(async () => {
  // Each test claims only its own job.
  await t.db.prisma.provisioningJob.updateMany({ where: { status: { in: ["queued", "running"] } }, data: { status: "canceled" } });
});

let counter = 0;
/**
 * A tenant with one job of `kind`, claimed by a runner that then stalled: its lease expired and
 * another worker took the job over. Returns the stale runner's context.
 */
async function takenOverJob(kind: LifecycleAction, actualState: "active" | "provisioning" | "destroying") {
  const n = ++counter;
  const customer = await t.db.prisma.customer.create({
    data: { email: `lease${n}@example.com`, firstName: "L", lastName: "Ease", company: "Lease", phone: "+33612345678" },
  });
  const tenant = await t.db.prisma.tenant.create({
    data: { slug: `lease-${n}`, customerId: customer.id, statusToken: `lease-token-${n}`, actualState, progress: "before" },
  });
  await t.db.prisma.portLease.create({ data: { tenantId: tenant.id, port: 42_000 + n, purpose: "app" } });
  await t.db.prisma.tenantSecret.create({ data: { tenantId: tenant.id, name: "db-password", ciphertext: "v1:sealed" } });
  await requestJob(t.db.prisma, {
    tenantId: tenant.id,
    kind,
    requestedBy: "lease-test",
    audit: { actorType: "system", actorId: "lease-test", action: "admin.suspend", outcome: "queued" },
  });
  const now = Date.now();
  const stale = (await claimNextJob(t.db.prisma, "worker-a", new Date(now), 1_000)) as ClaimedJob;
  // A minute later worker-a's lease is long over: worker-b takes the job over.
  const current = (await claimNextJob(t.db.prisma, "worker-b", new Date(now + 60_000), 30_000)) as ClaimedJob;
  expect(current.id).toBe(stale.id);
  expect(current.leaseToken).not.toBe(stale.leaseToken);
  const context = contextFor(stale, tenant);
  const before = await snapshot(tenant.id);
  return { tenant, context, before, holder: contextFor(current, tenant) };
}

/** What the job runner gives a step: writes through withLease with this claim's token. */
function contextFor(job: ClaimedJob, tenant: Tenant): JobContext {
  const lease = leaseOf(job);
  return {
    job,
    tenant,
    signal: new AbortController().signal,
    progress: async (text) => void (await withLease(t.db.prisma, lease, (tx) => tx.tenant.update({ where: { id: tenant.id }, data: { progress: text } }))),
    registerSecret: () => {},
    withLease: (write) => withLease(t.db.prisma, lease, write),
  };
}

async function snapshot(tenantId: string) {
  const [tenant, audit, ports, secrets] = await Promise.all([
    t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } }),
    t.db.prisma.auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    t.db.prisma.portLease.findMany({ where: { tenantId } }),
    t.db.prisma.tenantSecret.findMany({ where: { tenantId } }),
  ]);
  return { tenant, audit, ports, secrets };
}

const step = (kind: string, name: string) => definitions[kind]!.steps.find((s) => s.name === name)!;

describe(`lifecycle writes through the job's lease (${process.env.TEST_DB_KIND})`, () => {
  it("markFailed by a runner whose job was taken over writes no state and no audit entry", async () => {
    const { tenant, context, before } = await takenOverJob("provision", "provisioning");
    await expect(definitions.provision!.markFailed!(context, "the image is missing")).rejects.toBeInstanceOf(LeaseLostError);
    expect(await snapshot(tenant.id)).toEqual(before);
  });

  it("a taken-over runner cannot mark the tenant active (resume's activate step)", async () => {
    const { tenant, context, before } = await takenOverJob("resume", "provisioning");
    await expect(step("resume", "activate").run(context)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await snapshot(tenant.id)).toEqual(before);
  });

  it("a taken-over runner cannot set a state (destroy's first write) nor release the tenant's ports and secrets", async () => {
    const { tenant, context, before } = await takenOverJob("destroy", "active");
    await expect(step("destroy", "remove").run(context)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(step("destroy", "release").run(context)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await snapshot(tenant.id)).toEqual(before);
  });

  it("the runner now holding the lease does write the tenant's progress and its audit entry", async () => {
    const { tenant, holder: context } = await takenOverJob("suspend", "active");
    await definitions.suspend!.markFailed!(context, "the engine refused");
    const after = await snapshot(tenant.id);
    expect(after.tenant).toMatchObject({ actualState: "active", progress: "the engine refused" });
    expect(after.audit.at(-1)).toMatchObject({ action: "tenant.suspend_failed", outcome: "failed", actorId: "lease-test" });
  });
});
