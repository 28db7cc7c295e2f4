// The one writer of ScheduledRun rows. A run is claimed by inserting its (task, period) row, which
// the unique key lets only one process do; the row carries a lease and a fencing token, so a
// runner that crashed is taken over once its lease ends, and one that was taken over can no
// longer record an outcome. A failed run may be claimed again at its retryAt.
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { TaskSummary } from "./task.ts";

export interface ClaimedRun {
  id: string;
  token: string;
  attempts: number;
}

export interface ClaimRequest {
  task: string;
  periodKey: string;
  asOf: Date;
  now: Date;
  owner: string;
  leaseMs: number;
}

/** The run of this task and period, if no one else holds it and it is not done; null otherwise. */
export async function claimRun(prisma: PrismaClient, request: ClaimRequest): Promise<ClaimedRun | null> {
  const token = randomUUID();
  const lease = { leaseOwner: request.owner, leaseToken: token, leaseExpiresAt: new Date(request.now.getTime() + request.leaseMs) };
  const key = { task: request.task, periodKey: request.periodKey };
  await prisma.scheduledRun.createMany({
    data: [{ ...key, ...lease, asOf: request.asOf, startedAt: request.now }],
    skipDuplicates: true,
  });
  const row = await prisma.scheduledRun.findUnique({ where: { task_periodKey: key }, select: { id: true, leaseToken: true, attempts: true } });
  if (row?.leaseToken === token) return { id: row.id, token, attempts: row.attempts };
  // Someone else's row: take it over only when its runner is gone or its retry is due.
  const taken = await prisma.scheduledRun.updateMany({
    where: {
      ...key,
      OR: [
        { status: "running", leaseExpiresAt: { lt: request.now } },
        { status: "failed", retryAt: { lte: request.now } },
      ],
    },
    data: { ...lease, status: "running", attempts: { increment: 1 }, asOf: request.asOf, startedAt: request.now, retryAt: null, error: null, finishedAt: null },
  });
  if (taken.count === 0) return null;
  const mine = await prisma.scheduledRun.findUnique({ where: { task_periodKey: key }, select: { id: true, leaseToken: true, attempts: true } });
  return mine?.leaseToken === token ? { id: mine.id, token, attempts: mine.attempts } : null;
}

/** Extends the lease; false when the run was taken over (the runner should stop). */
export async function renewRun(prisma: PrismaClient, run: ClaimedRun, now: Date, leaseMs: number): Promise<boolean> {
  const renewed = await prisma.scheduledRun.updateMany({
    where: { id: run.id, leaseToken: run.token, status: "running" },
    data: { leaseExpiresAt: new Date(now.getTime() + leaseMs) },
  });
  return renewed.count === 1;
}

export type RunOutcome =
  | { status: "succeeded"; summary: TaskSummary }
  | { status: "failed"; error: string; retryAt: Date | null };

/** Records the outcome, only while the runner still holds the run; false otherwise. */
export async function finishRun(prisma: PrismaClient, run: ClaimedRun, now: Date, outcome: RunOutcome): Promise<boolean> {
  const data: Prisma.ScheduledRunUpdateManyMutationInput =
    outcome.status === "succeeded"
      ? { status: "succeeded", summary: outcome.summary, finishedAt: now, leaseExpiresAt: null }
      : { status: "failed", error: outcome.error.slice(0, 2000), retryAt: outcome.retryAt, finishedAt: now, leaseExpiresAt: null };
  const done = await prisma.scheduledRun.updateMany({ where: { id: run.id, leaseToken: run.token, status: "running" }, data });
  return done.count === 1;
}

/**
 * Gives the run back because this process is shutting down (its task stopped on the stop signal):
 * claimable again at once by any process, its claim not counted. False when it was taken over.
 */
export async function releaseRun(prisma: PrismaClient, run: ClaimedRun, now: Date): Promise<boolean> {
  const released = await prisma.scheduledRun.updateMany({
    where: { id: run.id, leaseToken: run.token, status: "running" },
    data: {
      status: "failed",
      retryAt: now,
      finishedAt: now,
      leaseExpiresAt: null,
      attempts: { decrement: 1 },
      error: "Interrupted by a shutdown of the process running it; it runs again at the next poll of any scheduler.",
    },
  });
  return released.count === 1;
}

export interface RunRecord {
  task: string;
  periodKey: string;
  status: "running" | "succeeded" | "failed";
  attempts: number;
  asOf: Date;
  startedAt: Date;
  finishedAt: Date | null;
  summary: unknown;
  error: string | null;
}

/** The latest run of each task (by start), for `tasks list` and the console. */
export async function latestRuns(prisma: PrismaClient, tasks: readonly string[]): Promise<Map<string, RunRecord>> {
  const latest = new Map<string, RunRecord>();
  for (const task of tasks) {
    const row = await prisma.scheduledRun.findFirst({
      where: { task },
      orderBy: { startedAt: "desc" },
      select: { task: true, periodKey: true, status: true, attempts: true, asOf: true, startedAt: true, finishedAt: true, summary: true, error: true },
    });
    if (row) latest.set(task, row);
  }
  return latest;
}

/** True when the run of this task and period has ended for good (succeeded, or failed with no retry left). */
export async function runSettled(prisma: PrismaClient, task: string, periodKey: string): Promise<boolean> {
  const row = await prisma.scheduledRun.findUnique({ where: { task_periodKey: { task, periodKey } }, select: { status: true, retryAt: true } });
  return row !== null && (row.status === "succeeded" || (row.status === "failed" && row.retryAt === null));
}

/**
 * Deletes the history of runs that ended before `before` (succeeded, or failed with no retry left);
 * a run still in progress or waiting for its retry is kept. Returns how many went.
 */
export async function deleteRunsBefore(prisma: PrismaClient, before: Date): Promise<number> {
  const { count } = await prisma.scheduledRun.deleteMany({
    where: { startedAt: { lt: before }, OR: [{ status: "succeeded" }, { status: "failed", retryAt: null }] },
  });
  return count;
}
