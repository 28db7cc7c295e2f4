// Dunning, the `billing` scheduled task: every 15 minutes, as of the run's time (context.asOf), it
// sends the last reminder to a subscription in grace (past_due) a day before its grace ends, and
// suspends those whose grace is over (status suspended, the tenant wanted suspended with a suspend
// job, the customer told). The first reminder went with the failed payment's event (webhook.ts); a
// later payment resumes the tenant (invoice.paid). Terminating a canceled subscription's tenant after
// the days of suspension before termination is the trial-lifecycle task's (trials/termination.ts), as for an
// expired trial. Each effect is guarded under the tenant's row lock (a conditional update, or the
// email's idempotency key), so overlapping runs act once.
import { writeAudit } from "../audit/audit-log.ts";
import { everyMinutes } from "../scheduler/periods.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { SCHEDULER_ACTOR } from "../trials/trial-mail.ts";
import { applyEffects, lockBillingRow, transitionEmail, type BillingDeps } from "./billing-effects.ts";
import { DAY_MS, graceOver } from "./stripe-state.ts";

/** How long before the grace's end the last reminder goes. */
export const LAST_REMINDER_MS = DAY_MS;

export function lastReminderKey(subscriptionId: string, pastDueSince: Date): string {
  return `billing-grace-last:${subscriptionId}:${pastDueSince.toISOString()}`;
}

/** The last reminder is due from a day before the end, unless the grace itself is that short. */
export function lastReminderDue(row: { pastDueSince: Date; graceEndsAt: Date }, asOf: Date): boolean {
  const end = row.graceEndsAt.getTime();
  return asOf.getTime() < end && asOf.getTime() >= end - LAST_REMINDER_MS && end - row.pastDueSince.getTime() > LAST_REMINDER_MS;
}

export async function sendLastReminders(deps: BillingDeps, asOf: Date, signal: AbortSignal): Promise<number> {
  const candidates = await deps.prisma.subscription.findMany({
    where: { status: "past_due", pastDueSince: { not: null }, graceEndsAt: { gt: asOf, lte: new Date(asOf.getTime() + LAST_REMINDER_MS) } },
    select: { id: true, pastDueSince: true, graceEndsAt: true },
  });
  let sent = 0;
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const row = { pastDueSince: candidate.pastDueSince!, graceEndsAt: candidate.graceEndsAt! };
    if (!lastReminderDue(row, asOf)) continue;
    const queued = await deps.prisma.$transaction(async (tx) => {
      const tenantId = await lockBillingRow(tx, candidate.id);
      const still = await tx.subscription.count({ where: { id: candidate.id, status: "past_due", pastDueSince: row.pastDueSince, graceEndsAt: row.graceEndsAt } });
      if (still === 0 || !tenantId) return false;
      // Sent already (the key is the email's): nothing more, not even an audit entry.
      if ((await tx.emailOutbox.count({ where: { idempotencyKey: lastReminderKey(candidate.id, row.pastDueSince) } })) > 0) return false;
      await applyEffects(tx, deps, {
        subscriptionId: candidate.id,
        tenantId,
        transition: null,
        tenant: null,
        actor: SCHEDULER_ACTOR,
        unchangedAction: "subscription.grace_reminded",
        details: { graceEndsAt: row.graceEndsAt.toISOString() },
        email: { key: lastReminderKey(candidate.id, row.pastDueSince), message: { purpose: "payment-failed", graceEndsAt: row.graceEndsAt, last: true } },
      });
      return true;
    });
    if (queued) sent += 1;
  }
  return sent;
}

export async function suspendGraceOver(deps: BillingDeps, asOf: Date, signal: AbortSignal): Promise<number> {
  const candidates = await deps.prisma.subscription.findMany({
    where: { status: "past_due", graceEndsAt: { lte: asOf } },
    select: { id: true, graceEndsAt: true },
    orderBy: { graceEndsAt: "asc" },
  });
  let suspended = 0;
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const done = await deps.prisma.$transaction(async (tx) => {
      const tenantId = await lockBillingRow(tx, candidate.id);
      const row = await tx.subscription.findUniqueOrThrow({ where: { id: candidate.id } });
      // A payment since the read (active again) or another run (suspended already) stops it.
      if (!graceOver(row, asOf)) return false;
      await tx.subscription.update({ where: { id: row.id }, data: { status: "suspended" } });
      await applyEffects(tx, deps, {
        subscriptionId: row.id,
        tenantId,
        transition: "suspended",
        tenant: "suspend",
        actor: SCHEDULER_ACTOR,
        unchangedAction: "subscription.updated",
        details: { cause: "grace_over", graceEndsAt: row.graceEndsAt!.toISOString() },
        email: transitionEmail(row.id, "suspended", row, asOf),
      });
      return true;
    });
    if (done) suspended += 1;
  }
  return suspended;
}

export function billingTask(deps: BillingDeps): ScheduledTask {
  return {
    name: "billing",
    description: "Reminds customers whose payment failed a day before their grace ends, suspends those whose grace is over",
    period: everyMinutes(15),
    async run(context) {
      const reminded = await sendLastReminders(deps, context.asOf, context.signal);
      const suspended = await suspendGraceOver(deps, context.asOf, context.signal);
      const summary = { reminded, suspended };
      if (reminded + suspended > 0) context.logger.info("billing", summary);
      return summary;
    },
  };
}
