// Upgrade runs (issue 13): several tenants moved to one app image, N at a time. Asking for one
// (requestUpgrade, from the console or `npm run tenant -- upgrade`) records the run, one row per
// tenant with its batch, and queues the first batch's upgrade jobs, in one transaction with
// admin.upgrade_started. Each upgrade job, when it ends (record step, or markFailed after its
// rollback), calls advanceRun in its own fenced transaction: with the run's row locked, once
// every tenant of the batch has ended, the next batch is queued; when one of them failed or was
// rolled back, the run stops and the later tenants are skipped (the safe default: a version that
// broke one tenant is not pushed to more; the operator looks, then asks again for the rest).
// A tenant no longer active when its batch comes is skipped, not failed.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditActorType } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import { requestJob } from "../jobs/job-requests.ts";
import { IMAGE_REFERENCE } from "./app-image.ts";

export interface UpgradeRequester {
  /** An admin's email, "operator" for the command line. */
  requestedBy: string;
  actorType: Extract<AuditActorType, "admin" | "operator">;
}

export type UpgradeTarget = { slug: string } | { plan: string } | { all: true };

export interface UpgradeRequest {
  target: UpgradeTarget;
  image: string;
  /** Tenants upgraded at once (1 to 50). */
  batchSize: number;
}

/** A refusal the caller shows as it is (no such tenant, bad image reference, nobody to upgrade). */
export class UpgradeRequestError extends OrchestratorError {
  override name = "UpgradeRequestError";
  constructor(message: string) {
    super(message, { transient: false });
  }
}

export interface UpgradeRunTenantSummary {
  tenantId: string;
  slug: string;
  batch: number;
  status: string;
  jobId: string | null;
  fromImage: string | null;
  error: string | null;
  queuedAt: Date | null;
  finishedAt: Date | null;
}

export interface UpgradeRunSummary {
  id: string;
  image: string;
  batchSize: number;
  status: string;
  scope: string;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
  tenants: UpgradeRunTenantSummary[];
}


function scopeOf(target: UpgradeTarget): string {
  return "slug" in target ? `tenant:${target.slug}` : "plan" in target ? `plan:${target.plan}` : "all";
}

/** The tenants a target names; a single tenant must exist and be active. */
async function targetTenants(db: Prisma.TransactionClient, target: UpgradeTarget, image: string) {
  const select = { id: true, slug: true, actualState: true, appImage: true } as const;
  if ("slug" in target) {
    const tenant = await db.tenant.findUnique({ where: { slug: target.slug }, select });
    if (!tenant) throw new UpgradeRequestError(`No tenant has the slug ${JSON.stringify(target.slug)}.`);
    if (tenant.actualState !== "active") throw new UpgradeRequestError(`Tenant ${tenant.slug} is ${tenant.actualState}, not active: resume it before upgrading it.`);
    if (tenant.appImage === image) throw new UpgradeRequestError(`Tenant ${tenant.slug} already runs ${image}.`);
    return [tenant];
  }
  const tenants = await db.tenant.findMany({
    where: { actualState: "active", ...("plan" in target ? { subscription: { plan: target.plan } } : {}) },
    select,
    orderBy: { createdAt: "asc" },
  });
  return tenants.filter((tenant) => tenant.appImage !== image);
}

/** Records the run and queues its first batch; returns the run. */
export async function requestUpgrade(
  prisma: PrismaClient,
  request: UpgradeRequest,
  by: UpgradeRequester,
  settings: { healthTimeoutSeconds: number },
  clock: Clock,
): Promise<UpgradeRunSummary> {
  const image = request.image.trim();
  if (!IMAGE_REFERENCE.test(image)) {
    throw new UpgradeRequestError(`${JSON.stringify(request.image)} is not an image reference (name[:tag][@sha256:digest], e.g. vendor/app:2.1).`);
  }
  if (!Number.isInteger(request.batchSize) || request.batchSize < 1 || request.batchSize > 50) {
    throw new UpgradeRequestError(`The batch size must be a whole number from 1 to 50 (got ${request.batchSize}).`);
  }
  const runId = await prisma.$transaction(async (tx) => {
    const tenants = await targetTenants(tx, request.target, image);
    if (tenants.length === 0) throw new UpgradeRequestError(`No active tenant to upgrade to ${image} (${scopeOf(request.target)}): none, or all already run it.`);
    const busy = await tx.upgradeRunTenant.findFirst({
      where: { tenantId: { in: tenants.map((t) => t.id) }, status: { in: ["pending", "queued"] }, run: { status: "running" } },
      select: { runId: true, tenant: { select: { slug: true } } },
    });
    if (busy) throw new UpgradeRequestError(`Tenant ${busy.tenant.slug} is already in upgrade run ${busy.runId}; wait for it to end.`);
    const now = clock.now();
    const run = await tx.upgradeRun.create({
      data: {
        image,
        batchSize: request.batchSize,
        status: "running",
        scope: scopeOf(request.target),
        requestedBy: by.requestedBy,
        createdAt: now,
        tenants: { create: tenants.map((tenant, index) => ({ tenantId: tenant.id, batch: Math.floor(index / request.batchSize), status: "pending" })) },
      },
    });
    await writeAudit(tx, {
      actorType: by.actorType,
      actorId: by.requestedBy,
      action: "admin.upgrade_started",
      outcome: "queued",
      details: { runId: run.id, image, scope: run.scope, tenants: tenants.length, batchSize: request.batchSize, healthTimeoutSeconds: settings.healthTimeoutSeconds },
    });
    await advanceRun(tx, run.id, now, settings.healthTimeoutSeconds);
    return run.id;
  });
  return (await upgradeRunSummary(prisma, runId))!;
}

/**
 * Moves the run on, with its row locked: nothing while a tenant of the current batch is still
 * queued; stopped when one of it failed; otherwise the next batch queued (its inactive tenants
 * skipped), or the run succeeded when none is left. Called in the transaction of what changed.
 */
export async function advanceRun(tx: Prisma.TransactionClient, runId: string, now: Date, healthTimeoutSeconds?: number): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "UpgradeRun" WHERE id = ${runId} FOR UPDATE`;
  const run = await tx.upgradeRun.findUnique({ where: { id: runId }, include: { tenants: { include: { tenant: { select: { actualState: true } } } } } });
  if (!run || run.status !== "running") return;
  const timeout = healthTimeoutSeconds ?? (await firstJobTimeout(tx, runId));
  const items = run.tenants;
  for (;;) {
    if (items.some((item) => item.status === "queued")) return;
    if (items.some((item) => item.status === "failed" || item.status === "rolled_back")) {
      await tx.upgradeRunTenant.updateMany({ where: { runId, status: "pending" }, data: { status: "skipped", error: "An earlier batch of this run failed; the run stopped.", finishedAt: now } });
      await tx.upgradeRun.update({ where: { id: runId }, data: { status: "stopped", finishedAt: now } });
      return;
    }
    const pending = items.filter((item) => item.status === "pending");
    if (pending.length === 0) {
      await tx.upgradeRun.update({ where: { id: runId }, data: { status: "succeeded", finishedAt: now } });
      return;
    }
    const batch = Math.min(...pending.map((item) => item.batch));
    for (const item of pending.filter((candidate) => candidate.batch === batch)) {
      if (item.tenant.actualState !== "active") {
        item.status = "skipped";
        await tx.upgradeRunTenant.update({ where: { id: item.id }, data: { status: "skipped", error: `The tenant was ${item.tenant.actualState}, not active, when its batch came.`, finishedAt: now } });
        continue;
      }
      const jobId = await requestJob(tx, {
        tenantId: item.tenantId,
        kind: "upgrade",
        requestedBy: run.requestedBy,
        parameters: { image: run.image, runId, healthTimeoutSeconds: timeout ?? 120 },
        audit: { actorType: "system", actorId: run.requestedBy, action: "admin.upgrade", outcome: "queued", details: { runId, image: run.image, batch } },
      });
      item.status = "queued";
      await tx.upgradeRunTenant.update({ where: { id: item.id }, data: { status: "queued", jobId, queuedAt: now } });
    }
  }
}

/** The health timeout the run's first jobs were given (later batches get the same). */
async function firstJobTimeout(tx: Prisma.TransactionClient, runId: string): Promise<number | null> {
  const item = await tx.upgradeRunTenant.findFirst({ where: { runId, jobId: { not: null } }, select: { jobId: true } });
  if (!item?.jobId) return null;
  const job = await tx.provisioningJob.findUnique({ where: { id: item.jobId }, select: { parameters: true } });
  const seconds = (job?.parameters as Record<string, unknown> | null)?.["healthTimeoutSeconds"];
  return typeof seconds === "number" ? seconds : null;
}

export async function upgradeRunSummary(prisma: PrismaClient, runId: string): Promise<UpgradeRunSummary | null> {
  const run = await prisma.upgradeRun.findUnique({
    where: { id: runId },
    include: { tenants: { include: { tenant: { select: { slug: true } } }, orderBy: [{ batch: "asc" }, { queuedAt: "asc" }] } },
  });
  if (!run) return null;
  return {
    id: run.id,
    image: run.image,
    batchSize: run.batchSize,
    status: run.status,
    scope: run.scope,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    tenants: run.tenants.map((item) => ({
      tenantId: item.tenantId,
      slug: item.tenant.slug,
      batch: item.batch,
      status: item.status,
      jobId: item.jobId,
      fromImage: item.fromImage,
      error: item.error,
      queuedAt: item.queuedAt,
      finishedAt: item.finishedAt,
    })),
  };
}

/** The latest runs, newest first (the console's list). */
export async function listUpgradeRuns(prisma: PrismaClient, limit = 20): Promise<Omit<UpgradeRunSummary, "tenants">[]> {
  return prisma.upgradeRun.findMany({ orderBy: { createdAt: "desc" }, take: limit });
}

/** Waits until the run has ended (succeeded or stopped), or `timeoutMs` has passed; returns it as it is then. */
export async function waitForUpgradeRun(prisma: PrismaClient, runId: string, clock: Clock, options: { timeoutMs: number; pollMs?: number }): Promise<UpgradeRunSummary> {
  const deadline = clock.now().getTime() + options.timeoutMs;
  for (;;) {
    const run = await upgradeRunSummary(prisma, runId);
    if (!run) throw new UpgradeRequestError(`No upgrade run ${runId}.`);
    if (run.status !== "running" || clock.now().getTime() >= deadline) return run;
    await clock.sleep(options.pollMs ?? 1000);
  }
}

