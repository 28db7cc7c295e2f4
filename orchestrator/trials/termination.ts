// Termination of expired trials: once a subscription has been expired for the configured number of
// days (30 by default) and its tenant is still suspended, the tenant is wanted destroyed and a terminate
// job is queued (lifecycle/terminate.ts: final dump, removal, release, the customer told). A paid
// subscription that ended (canceled, issue 12: its tenant suspended by billing) is terminated the
// same way, counted from its endedAt. The
// tenant's conditional update is the guard: only the run whose update changed the row queues the job.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { requestJob } from "../jobs/job-requests.ts";
import { DAY_MS, lockTenant, SCHEDULER_ACTOR } from "./trial-mail.ts";

export interface TerminationDeps {
  prisma: PrismaClient;
  suspendedDaysBeforeTermination: number;
}

export async function terminateExpiredTrials(deps: TerminationDeps, asOf: Date, signal: AbortSignal): Promise<number> {
  const cutoff = new Date(asOf.getTime() - deps.suspendedDaysBeforeTermination * DAY_MS);
  // Only a tenant still wanted suspended: one an operator resumed by hand after its expiry is theirs
  // to decide about (extend, convert or destroy), never terminated behind their back.
  const alive: Prisma.TenantWhereInput = { desiredState: "suspended", actualState: { notIn: ["destroying", "destroyed"] } };
  const ended: Prisma.SubscriptionWhereInput = {
    OR: [
      { status: "expired", expiredAt: { lte: cutoff } },
      { status: "canceled", endedAt: { lte: cutoff } },
    ],
  };
  const candidates = await deps.prisma.subscription.findMany({
    where: { ...ended, tenant: { is: alive } },
    select: { id: true, status: true, expiredAt: true, endedAt: true, tenant: { select: { id: true } } },
    orderBy: { createdAt: "asc" },
  });
  let terminated = 0;
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const tenantId = candidate.tenant!.id;
    const queued = await deps.prisma.$transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      // Still ended long enough: an extension (trialing again) or a payment (active) since the read stops it.
      const still = await tx.subscription.count({ where: { id: candidate.id, ...ended } });
      if (still === 0) return false;
      const { count } = await tx.tenant.updateMany({ where: { id: tenantId, ...alive }, data: { desiredState: "destroyed" } });
      if (count !== 1) return false;
      await requestJob(tx, {
        tenantId,
        kind: "terminate",
        requestedBy: SCHEDULER_ACTOR.actorId,
        audit: {
          ...SCHEDULER_ACTOR,
          action: "tenant.terminated",
          outcome: "queued",
          details: {
            subscriptionId: candidate.id,
            ...(candidate.status === "canceled" ? { status: "canceled", endedAt: candidate.endedAt!.toISOString() } : { expiredAt: candidate.expiredAt!.toISOString() }),
          },
        },
      });
      return true;
    });
    if (queued) terminated += 1;
  }
  return terminated;
}
