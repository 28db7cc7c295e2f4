// The jobs table as a queue: claiming with a lease, renewing it, and the ways a job ends.
// A worker that dies keeps its lease until it expires; then any worker takes the job over.
import type { JobKind, PrismaClient } from "../../prisma/generated/client.ts";

export interface ClaimedJob {
  id: string;
  tenantId: string;
  kind: JobKind;
  /** How many times the job has been claimed, this time included. */
  attempts: number;
  startedAt: Date;
  /** Who asked for it ("signup", an admin's email…): the audit entries name them. */
  requestedBy: string | null;
}

/**
 * Takes the oldest job that is due (or whose worker's lease ran out), unless an earlier job of
 * the same tenant is still waiting or running: one tenant's jobs run one at a time, in order.
 * SKIP LOCKED lets several workers claim concurrently without waiting on each other.
 */
export async function claimNextJob(
  prisma: PrismaClient,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimedJob | null> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const rows = await prisma.$queryRaw<ClaimedJob[]>`
    UPDATE "ProvisioningJob"
       SET status = 'running', "leaseOwner" = ${workerId}, "leaseExpiresAt" = ${leaseUntil},
           attempts = attempts + 1, "startedAt" = COALESCE("startedAt", ${now})
     WHERE id = (
       SELECT j.id FROM "ProvisioningJob" j
        WHERE ((j.status = 'queued' AND j."runAfter" <= ${now})
               OR (j.status = 'running' AND j."leaseExpiresAt" < ${now}))
          AND NOT EXISTS (
            SELECT 1 FROM "ProvisioningJob" o
             WHERE o."tenantId" = j."tenantId" AND o.id <> j.id
               AND ((o.status = 'running' AND o."leaseExpiresAt" >= ${now})
                    OR (o.status IN ('queued', 'running') AND o."createdAt" < j."createdAt")))
        ORDER BY j."createdAt"
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
    RETURNING id, "tenantId", kind::text AS kind, attempts, "startedAt", "requestedBy"`;
  return rows[0] ?? null;
}

/** Extends the lease; false when the job is no longer ours (another worker took it over). */
export async function renewLease(
  prisma: PrismaClient,
  jobId: string,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: { id: jobId, leaseOwner: workerId, status: "running" },
    data: { leaseExpiresAt: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

export async function completeJob(prisma: PrismaClient, jobId: string, workerId: string, now: Date) {
  await prisma.provisioningJob.updateMany({
    where: { id: jobId, leaseOwner: workerId },
    data: { status: "succeeded", finishedAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: null },
  });
}

/** Puts the job back in the queue after a transient error, to run again at `runAfter`. */
export async function retryJobLater(
  prisma: PrismaClient,
  jobId: string,
  workerId: string,
  runAfter: Date,
  reason: string,
) {
  await prisma.provisioningJob.updateMany({
    where: { id: jobId, leaseOwner: workerId },
    data: { status: "queued", runAfter, leaseOwner: null, leaseExpiresAt: null, lastError: reason },
  });
}

export async function failJob(prisma: PrismaClient, jobId: string, workerId: string, now: Date, reason: string) {
  await prisma.provisioningJob.updateMany({
    where: { id: jobId, leaseOwner: workerId },
    data: { status: "failed", finishedAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: reason },
  });
}
