// The jobs table as a queue: claiming with a lease, renewing it, and the ways a job ends.
// A worker that dies keeps its lease until it expires; then any worker takes the job over.
// Every claim writes a new fencing token (leaseToken): each later write of the runner names it,
// so a runner whose job was taken over (it stalled past its lease, even in the same worker)
// changes nothing: its writes match no row, and `withLease` refuses to run its transaction.
import { randomUUID } from "node:crypto";
import type { JobKind, Prisma, PrismaClient } from "../../prisma/generated/client.ts";

export interface ClaimedJob {
  id: string;
  tenantId: string;
  kind: JobKind;
  /** How many times the job has been claimed, this time included. */
  attempts: number;
  startedAt: Date;
  /** Who asked for it ("signup", an admin's email…): the audit entries name them. */
  requestedBy: string | null;
  /** This claim's fencing token: only its holder may write to the job or compensate. */
  leaseToken: string;
  /** Time the job spent waiting for an unreachable engine: its deadline moves by this much. */
  engineWaitMs: number;
}

/** The job's lease was taken over by another claim: its former holder must stop, writing nothing. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(jobId: string) {
    super(`job ${jobId} was taken over by another claim (its lease expired); this runner stops without writing`);
  }
}

/**
 * Takes the oldest job that is due (or whose worker's lease ran out), unless an earlier job of
 * the same tenant is still waiting or running: one tenant's jobs run one at a time, in order.
 * SKIP LOCKED lets several workers claim concurrently without waiting on each other.
 * A job that went back to the queue because no engine answered has the time it waited beyond
 * its retry delay added to engineWaitMs, so an engine outage does not eat its deadline.
 */
export async function claimNextJob(
  prisma: PrismaClient,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<ClaimedJob | null> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const token = randomUUID();
  const rows = await prisma.$queryRaw<ClaimedJob[]>`
    UPDATE "ProvisioningJob"
       SET status = 'running', "leaseOwner" = ${workerId}, "leaseExpiresAt" = ${leaseUntil}, "leaseToken" = ${token},
           attempts = attempts + 1, "startedAt" = COALESCE("startedAt", ${now}),
           "engineWaitMs" = "engineWaitMs" + CASE
             WHEN "engineLostAt" IS NOT NULL AND "runAfter" < ${now}
               THEN CAST(FLOOR(EXTRACT(EPOCH FROM (CAST(${now} AS TIMESTAMP(3)) - "runAfter")) * 1000) AS INTEGER)
             ELSE 0 END,
           "engineLostAt" = NULL
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
    RETURNING id, "tenantId", kind::text AS kind, attempts, "startedAt", "requestedBy", "leaseToken", "engineWaitMs"`;
  return rows[0] ?? null;
}

/** What a runner names in each write: the job and the token its claim received. */
export interface JobLease {
  jobId: string;
  token: string;
}

export function leaseOf(job: ClaimedJob): JobLease {
  return { jobId: job.id, token: job.leaseToken };
}

const holds = (lease: JobLease) => ({ id: lease.jobId, leaseToken: lease.token, status: "running" as const });

/**
 * Extends the lease; false when the job is no longer ours (another claim took it over). Also the
 * holder's check right before it compensates: a renewed lease cannot be taken over meanwhile.
 */
export async function renewLease(prisma: PrismaClient, lease: JobLease, now: Date, leaseMs: number): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: holds(lease),
    data: { leaseExpiresAt: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

/**
 * Runs `write` in one transaction, only while `lease` is the job's lease: the job's row is read
 * with FOR SHARE, so a takeover (an UPDATE of that row) waits until the write is committed, and a
 * write after a takeover throws LeaseLostError without touching anything.
 */
export async function withLease<T>(
  prisma: PrismaClient,
  lease: JobLease,
  write: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "ProvisioningJob"
         WHERE id = ${lease.jobId} AND "leaseToken" = ${lease.token} AND status = 'running'
         FOR SHARE`;
      if (rows.length === 0) throw new LeaseLostError(lease.jobId);
      return write(tx);
    },
    // A burst of signups can keep the pool busy: wait for a connection rather than fail the step.
    { maxWait: 30_000, timeout: 30_000 },
  );
}

const released = { leaseOwner: null, leaseExpiresAt: null, leaseToken: null };

/** The job's outcome; false (nothing written) when the lease was taken over. */
export async function completeJob(prisma: PrismaClient, lease: JobLease, now: Date): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: holds(lease),
    data: { status: "succeeded", finishedAt: now, lastError: null, ...released },
  });
  return count === 1;
}

/**
 * Puts the job back in the queue after a transient error, to run again at `runAfter`. With
 * `engineLostAt` (no engine answered), the time it then waits beyond `runAfter` (the worker claims
 * nothing while no engine answers) will not count against its deadline.
 */
export async function retryJobLater(
  prisma: PrismaClient,
  lease: JobLease,
  runAfter: Date,
  reason: string,
  engineLostAt: Date | null = null,
): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: holds(lease),
    data: { status: "queued", runAfter, lastError: reason, engineLostAt, ...released },
  });
  return count === 1;
}

/**
 * Gives the job back at a step boundary because this process is shutting down: queued again, due
 * at once, its lease cleared and its claim not counted (attempts back to what it was before this
 * claim), so the next worker picks it up at once and starts at the first step not yet done. False
 * (nothing written) when the lease was taken over.
 */
export async function releaseJob(prisma: PrismaClient, lease: JobLease, now: Date): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: holds(lease),
    data: { status: "queued", runAfter: now, attempts: { decrement: 1 }, ...released },
  });
  return count === 1;
}

export async function failJob(prisma: PrismaClient, lease: JobLease, now: Date, reason: string): Promise<boolean> {
  const { count } = await prisma.provisioningJob.updateMany({
    where: holds(lease),
    data: { status: "failed", finishedAt: now, lastError: reason, ...released },
  });
  return count === 1;
}
