// The engine does not answer: every tenant not destroyed is marked "unreachable" (audited on the
// transition only, tenant.engine_unreachable) and the operators are alerted once per outage.
//
// One transaction locks the rows of every such tenant first (in id order, so two reconcilers
// never deadlock), then marks those not yet marked: a second reconciler running at the same time
// waits, then finds them marked and writes nothing. An outage is named by the time its first
// tenant was marked (the earliest observedAt among the unreachable tenants), so every pass during
// one outage raises the same alert, which is written once (raiseNotification's key). An engine
// with no tenant at all is named by the day.
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { raiseNotification } from "../notify/alerts.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";

export const SCHEDULER_ACTOR = { actorType: "system", actorId: "scheduler" } as const;

export interface OutageSummary {
  marked: number;
  unreachableTenants: number;
  outageSince: string;
}

export async function markEngineUnreachable(deps: SchedulerDeps, asOf: Date, reason: string): Promise<OutageSummary> {
  return deps.prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Tenant" WHERE "actualState" <> 'destroyed' ORDER BY id FOR UPDATE`;
    const tenants = await tx.tenant.findMany({
      where: { id: { in: rows.map((r) => r.id) } },
      select: { id: true, observedState: true },
    });
    let marked = 0;
    for (const tenant of tenants) {
      if (tenant.observedState === "unreachable") continue;
      await tx.tenant.update({ where: { id: tenant.id }, data: { observedState: "unreachable", observedAt: asOf } });
      await writeAudit(tx, {
        ...SCHEDULER_ACTOR,
        action: "tenant.engine_unreachable",
        tenantId: tenant.id,
        outcome: "failed",
        details: { previously: tenant.observedState, reason: reason.slice(0, 500) },
      });
      marked++;
    }
    const since = await outageStart(tx, asOf);
    await raiseNotification(tx, {
      idempotencyKey: `alert.reconciliation_failed:engine-unreachable:${since}`,
      kind: "alert.reconciliation_failed",
      severity: "critical",
      title: "The engine does not answer: tenants are marked unreachable",
      fields: { cause: "engine_unreachable", since, tenants: tenants.length, error: reason.slice(0, 400) },
    });
    return { marked, unreachableTenants: tenants.length, outageSince: since };
  });
}

/** When this outage began: the first tenant marked unreachable, or, with none, the day. */
async function outageStart(tx: Prisma.TransactionClient, asOf: Date): Promise<string> {
  const first = await tx.tenant.aggregate({
    where: { observedState: "unreachable", actualState: { not: "destroyed" } },
    _min: { observedAt: true },
  });
  return (first._min.observedAt ?? asOf).toISOString().slice(0, first._min.observedAt ? undefined : 10);
}
