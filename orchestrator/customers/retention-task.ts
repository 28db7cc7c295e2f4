// The retention task (daily): what Tenantry keeps only for a while is removed on time.
// - Final dumps past their expiresAt: the file is deleted, then deletedAt set and the deletion
//   audited (tenant.dump_deleted) in one transaction, only by the run that sets deletedAt.
// - Customers whose tenants were all destroyed or terminated more than eraseTerminatedAfterDays
//   ago (the time of the tenant.destroyed / tenant.terminated audit entry) and not yet erased are
//   erased (eraseCustomer: one transaction, exactly once), the system as actor.
// - The scheduler's run history older than RUN_HISTORY_DAYS (counted back from the earlier of asOf
//   and the clock, so trying a future date with `tasks run-due --at` never erases today's runs).
// Everything is decided as of context.asOf, so `tasks run-due --at` and tests can move time.
import { rm } from "node:fs/promises";
import path from "node:path";
import { writeAudit } from "../audit/audit-log.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import { daily } from "../scheduler/periods.ts";
import { deleteRunsBefore } from "../scheduler/run-store.ts";
import type { ScheduledTask, TaskContext, TaskSummary } from "../scheduler/task.ts";
import { eraseCustomer } from "./erase.ts";

const DAY_MS = 86_400_000;
/** Days of scheduled runs kept (what `tasks list` and the console's Tasks page read is the latest). */
export const RUN_HISTORY_DAYS = 30;
const SYSTEM = { actorType: "system", actorId: "scheduler" } as const;
/** The audit actions that end a tenant for good; the latest one's time starts the erasure delay. */
const ENDING_ACTIONS = ["tenant.destroyed", "tenant.terminated"];

export type RetentionDeps = Pick<SchedulerDeps, "prisma" | "logger" | "time" | "clock">;

// Takes any SchedulerDeps (what the orchestrator passes); only these fields are read.
export function retentionTask(deps: RetentionDeps): ScheduledTask {
  return {
    name: "retention",
    description: "Deletes expired final dumps; erases customers whose tenants ended long enough ago; forgets task runs older than 30 days",
    period: daily(3),
    run: (context) => runRetention(deps, context),
  };
}

export async function runRetention(deps: RetentionDeps, context: Pick<TaskContext, "asOf" | "signal" | "logger">): Promise<TaskSummary> {
  const dumps = await deleteExpiredDumps(deps, context);
  const customers = await eraseEndedCustomers(deps, context);
  const historyFrom = Math.min(context.asOf.getTime(), deps.clock.now().getTime()) - RUN_HISTORY_DAYS * DAY_MS;
  const runsPruned = await deleteRunsBefore(deps.prisma, new Date(historyFrom));
  return { dumpsDeleted: dumps.deleted, dumpsFailed: dumps.failed, customersErased: customers.erased, customersWaiting: customers.waiting, runsPruned };
}

/** Deletes every final dump whose expiresAt is past as of `asOf`. */
export async function deleteExpiredDumps(deps: RetentionDeps, context: Pick<TaskContext, "asOf" | "signal" | "logger">) {
  const { prisma } = deps;
  const expired = await prisma.tenantDump.findMany({
    where: { deletedAt: null, expiresAt: { lte: context.asOf } },
    select: { id: true, tenantId: true, fileName: true },
    orderBy: { expiresAt: "asc" },
  });
  let deleted = 0;
  let failed = 0;
  for (const dump of expired) {
    if (context.signal.aborted) break;
    // The database names a file inside the dumps folder, never a path elsewhere.
    const file = path.join(deps.time.dumpsDir, path.basename(dump.fileName));
    try {
      await rm(file, { force: true });
    } catch (error) {
      failed++;
      context.logger.error("retention: a final dump could not be deleted; it is tried again tomorrow", {
        dumpId: dump.id,
        file,
        error: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const recorded = await prisma.$transaction(async (tx) => {
      const { count } = await tx.tenantDump.updateMany({ where: { id: dump.id, deletedAt: null }, data: { deletedAt: context.asOf } });
      if (count === 1) {
        await writeAudit(tx, { ...SYSTEM, action: "tenant.dump_deleted", tenantId: dump.tenantId, outcome: "succeeded", details: { dumpId: dump.id } });
      }
      return count === 1;
    });
    if (recorded) deleted++;
  }
  return { deleted, failed };
}

/** Erases the customers whose every tenant ended more than eraseTerminatedAfterDays before `asOf`. */
export async function eraseEndedCustomers(deps: RetentionDeps, context: Pick<TaskContext, "asOf" | "signal" | "logger">) {
  const { prisma } = deps;
  const cutoff = context.asOf.getTime() - deps.time.eraseTerminatedAfterDays * DAY_MS;
  const candidates = await prisma.customer.findMany({
    where: { erasedAt: null, tenants: { some: {}, every: { actualState: "destroyed" } } },
    select: { id: true, tenants: { select: { id: true, updatedAt: true } } },
  });
  let erased = 0;
  let waiting = 0;
  for (const customer of candidates) {
    if (context.signal.aborted) break;
    const endedAt = await lastEnding(deps, customer.tenants);
    if (endedAt.getTime() > cutoff) {
      waiting++;
      continue;
    }
    const outcome = await eraseCustomer(prisma, customer.id, SYSTEM, context.asOf);
    if (outcome.kind === "erased") erased++;
  }
  return { erased, waiting };
}

// When the customer's last tenant ended: its latest destroyed/terminated entry (a tenant ended
// before those entries existed counts from its last update).
async function lastEnding(deps: RetentionDeps, tenants: { id: string; updatedAt: Date }[]): Promise<Date> {
  let latest = 0;
  for (const tenant of tenants) {
    const entry = await deps.prisma.auditLog.findFirst({
      where: { tenantId: tenant.id, action: { in: ENDING_ACTIONS } },
      orderBy: { at: "desc" },
      select: { at: true },
    });
    latest = Math.max(latest, (entry?.at ?? tenant.updatedAt).getTime());
  }
  return new Date(latest);
}
