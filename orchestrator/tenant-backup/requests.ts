// Asking for tenant backups and restores (issue 13), for the operator command (app/tenant-cli.ts)
// and the console: each queues a job with its audit entry (requestJob, in one transaction) and
// returns its id; listing reads the TenantBackup rows. A restore into a new tenant creates that
// tenant (a copy, for investigating: same customer and template, the slug given, no subscription,
// no credentials email) with its provision job, then the restore job queued right after it (one
// tenant's jobs run in order), which replaces the copy's data with the backup's.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { AuditActorType } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { OrchestratorError } from "../errors.ts";
import { requestJob } from "../jobs/job-requests.ts";
import type { BackupReason } from "./take-backup.ts";

export interface BackupRequester {
  /** Who asks: an admin's email, "operator" for the command line. */
  requestedBy: string;
  actorType: Extract<AuditActorType, "admin" | "operator" | "system">;
}

export interface TenantBackupSummary {
  id: string;
  reason: string;
  status: string;
  fileName: string | null;
  sizeBytes: number | null;
  durationMs: number | null;
  sha256: string | null;
  rowCounts: Record<string, number> | null;
  error: string | null;
  createdAt: Date;
  /** The verified restore's result (backup-verification task); null until one ran. `at` is ISO. */
  verification: { status: "passed" | "failed"; at: string; error: string | null } | null;
}

/** A refusal the caller shows as it is (unknown tenant, slug taken, backup of another tenant…). */
export class TenantBackupRequestError extends OrchestratorError {
  override name = "TenantBackupRequestError";
  constructor(message: string) {
    super(message, { transient: false });
  }
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

async function tenantBySlug(prisma: PrismaClient, slug: string) {
  const tenant = await prisma.tenant.findUnique({ where: { slug } });
  if (!tenant) throw new TenantBackupRequestError(`No tenant has the slug ${JSON.stringify(slug)}.`);
  return tenant;
}

function assertActive(tenant: { slug: string; actualState: string }, what: string): void {
  if (tenant.actualState !== "active") {
    throw new TenantBackupRequestError(`Tenant ${tenant.slug} is ${tenant.actualState}, not active: ${what} needs its database running. Resume it first.`);
  }
}

/** Queues a backup of the tenant; returns the job's id. */
export async function requestTenantBackup(prisma: PrismaClient, slug: string, by: BackupRequester, reason: BackupReason = "manual"): Promise<{ jobId: string }> {
  const tenant = await tenantBySlug(prisma, slug);
  assertActive(tenant, "a backup");
  const jobId = await prisma.$transaction((tx) =>
    requestJob(tx, {
      tenantId: tenant.id,
      kind: "backup",
      requestedBy: by.requestedBy,
      parameters: { reason },
      audit: { actorType: by.actorType, actorId: by.requestedBy, action: "admin.backup", outcome: "queued", details: { reason } },
    }),
  );
  return { jobId };
}

/** The tenant's backups, newest first. */
export async function listTenantBackups(prisma: PrismaClient, slug: string): Promise<TenantBackupSummary[]> {
  const tenant = await tenantBySlug(prisma, slug);
  const rows = await prisma.tenantBackup.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({
    id: row.id,
    reason: row.reason,
    status: row.status,
    fileName: row.fileName,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    durationMs: row.durationMs,
    sha256: row.sha256,
    rowCounts: (row.rowCounts as Record<string, number> | null) ?? null,
    error: row.error,
    createdAt: row.createdAt,
    verification:
      row.verifyStatus === "passed" || row.verifyStatus === "failed"
        ? { status: row.verifyStatus, at: (row.verifiedAt ?? row.createdAt).toISOString(), error: row.verifyError }
        : null,
  }));
}

export interface RestoreRequest {
  slug: string;
  /** A backup of this tenant; its latest finished one when absent. */
  backupId?: string;
  /** The slug of a new tenant to restore into, instead of in place. */
  into?: string;
}

/** Queues a restore (in place, or into a new tenant created now); returns the job and the tenant it runs on. */
export async function requestTenantRestore(
  prisma: PrismaClient,
  request: RestoreRequest,
  by: BackupRequester,
  clock: Clock,
): Promise<{ jobId: string; tenantId: string; slug: string; backupId: string }> {
  const source = await tenantBySlug(prisma, request.slug);
  const backup = request.backupId
    ? await prisma.tenantBackup.findUnique({ where: { id: request.backupId } })
    : await prisma.tenantBackup.findFirst({ where: { tenantId: source.id, status: "succeeded" }, orderBy: { createdAt: "desc" } });
  if (!backup || backup.tenantId !== source.id) {
    throw new TenantBackupRequestError(
      request.backupId ? `Tenant ${source.slug} has no backup ${request.backupId}; list its backups with: npm run tenant -- backups ${source.slug}` : `Tenant ${source.slug} has no finished backup yet; take one first.`,
    );
  }
  if (backup.status !== "succeeded") throw new TenantBackupRequestError(`Backup ${backup.id} is ${backup.status}, not a finished backup; choose another.`);
  const audit = (details: Record<string, string | boolean>) =>
    ({ actorType: by.actorType, actorId: by.requestedBy, action: "admin.restore", outcome: "queued", details: { backupId: backup.id, ...details } }) as const;

  if (!request.into) {
    assertActive(source, "a restore");
    const jobId = await prisma.$transaction((tx) =>
      requestJob(tx, { tenantId: source.id, kind: "restore", requestedBy: by.requestedBy, parameters: { backupId: backup.id }, audit: audit({ inPlace: true }) }),
    );
    return { jobId, tenantId: source.id, slug: source.slug, backupId: backup.id };
  }

  const into = request.into;
  if (!SLUG.test(into)) {
    throw new TenantBackupRequestError(`${JSON.stringify(into)} is not a valid slug: 3 to 40 lowercase letters, digits and dashes, starting and ending with a letter or digit.`);
  }
  if (await prisma.tenant.findUnique({ where: { slug: into }, select: { id: true } })) {
    throw new TenantBackupRequestError(`The slug ${into} is taken; choose another for the copy.`);
  }
  const now = clock.now();
  return prisma.$transaction(async (tx) => {
    const copy = await tx.tenant.create({
      data: { slug: into, customerId: source.customerId, templateName: source.templateName, statusToken: randomBytes(32).toString("base64url") },
    });
    await requestJob(tx, {
      tenantId: copy.id,
      kind: "provision",
      requestedBy: by.requestedBy,
      parameters: { copyOf: source.id },
      createdAt: now,
      audit: { actorType: by.actorType, actorId: by.requestedBy, action: "admin.restore", outcome: "queued", details: { copyOf: source.slug, step: "provision" } },
    });
    const jobId = await requestJob(tx, {
      tenantId: copy.id,
      kind: "restore",
      requestedBy: by.requestedBy,
      parameters: { backupId: backup.id, copy: true },
      // After the copy's provision job: one tenant's jobs run in the order they were asked for.
      createdAt: new Date(now.getTime() + 1),
      audit: audit({ copyOf: source.slug, into }),
    });
    return { jobId, tenantId: copy.id, slug: copy.slug, backupId: backup.id };
  });
}

export interface JobOutcome {
  /** queued or running: the wait ended before the job did. */
  status: "queued" | "running" | "succeeded" | "failed" | "canceled";
  lastError: string | null;
}

/** Waits until the job has ended, or `timeoutMs` has passed (then says where it is). */
export async function waitForJob(prisma: PrismaClient, jobId: string, clock: Clock, options: { timeoutMs: number; pollMs?: number }): Promise<JobOutcome> {
  const deadline = clock.now().getTime() + options.timeoutMs;
  for (;;) {
    const job = await prisma.provisioningJob.findUnique({ where: { id: jobId }, select: { status: true, lastError: true } });
    if (!job) throw new TenantBackupRequestError(`No job ${jobId}.`);
    if (job.status === "succeeded" || job.status === "failed" || job.status === "canceled" || clock.now().getTime() >= deadline) {
      return { status: job.status, lastError: job.lastError };
    }
    await clock.sleep(options.pollMs ?? 500);
  }
}

/** What the console and the operator's command use, bound to the portal's database and clock. */
export interface TenantBackupService {
  backup(slug: string, by: BackupRequester): Promise<{ jobId: string }>;
  list(slug: string): Promise<TenantBackupSummary[]>;
  restore(request: RestoreRequest, by: BackupRequester): Promise<{ jobId: string; tenantId: string; slug: string; backupId: string }>;
  waitForJob(jobId: string, timeoutMs: number): Promise<JobOutcome>;
}

export function tenantBackupService(prisma: PrismaClient, clock: Clock): TenantBackupService {
  return {
    backup: (slug, by) => requestTenantBackup(prisma, slug, by),
    list: (slug) => listTenantBackups(prisma, slug),
    restore: (request, by) => requestTenantRestore(prisma, request, by, clock),
    waitForJob: (jobId, timeoutMs) => waitForJob(prisma, jobId, clock, { timeoutMs }),
  };
}
