// Trial reminders: a trialing subscription whose tenant is alive is reminded `d` days before its
// trial ends, for each d of the settings (7 and 1 by default). A reminder is due from end - d days
// until the end; after downtime only the nearest one still due is sent (on the last day, the 1-day
// one, never the 7-day one as well). Each is an email under a key holding the trial's end, so an
// extended trial is reminded again, and its audit entry is written only by the run whose insert
// queued the email: exactly once, however many runs overlap. The email says the days really left
// (a reminder sent late after downtime, or due at once for a short or extended trial, never
// announces more days than remain); the key and the audit entry name the reminder day.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { SecretBox } from "../secrets.ts";
import { accountLinkOf, appUrlOf, DAY_MS, lockTenant, queueTrialEmail, SCHEDULER_ACTOR, trialMailTarget } from "./trial-mail.ts";

export interface ReminderDeps {
  prisma: PrismaClient;
  secretBox: SecretBox;
  tenantUrl: string;
  /** The portal's public address: the email links to the account page (absent: no link). */
  portalUrl?: string | undefined;
  reminderDays: readonly number[];
}

/** Of the reminder days, the one to send as of `asOf` for a trial ending at `endsAt` (null: none due). */
export function reminderDue(reminderDays: readonly number[], endsAt: Date, asOf: Date): number | null {
  if (asOf.getTime() >= endsAt.getTime()) return null;
  const due = reminderDays.filter((days) => days > 0 && asOf.getTime() >= endsAt.getTime() - days * DAY_MS);
  return due.length === 0 ? null : Math.min(...due);
}

/** Whole days left until the end (rounded up), at most the reminder's own day. */
export function daysLeft(reminderDays: number, endsAt: Date, asOf: Date): number {
  return Math.min(reminderDays, Math.max(1, Math.ceil((endsAt.getTime() - asOf.getTime()) / DAY_MS)));
}

export function reminderKey(subscriptionId: string, days: number, endsAt: Date): string {
  return `trial-ending:${subscriptionId}:${days}:${endsAt.toISOString()}`;
}

/** Sends the reminders due as of `asOf`; returns how many this call sent. */
export async function sendTrialReminders(deps: ReminderDeps, asOf: Date, signal: AbortSignal): Promise<number> {
  const furthest = Math.max(0, ...deps.reminderDays);
  if (furthest === 0) return 0;
  const candidates = await deps.prisma.subscription.findMany({
    where: {
      status: "trialing",
      trialEndsAt: { gt: asOf, lte: new Date(asOf.getTime() + furthest * DAY_MS) },
      tenant: { is: { desiredState: { not: "destroyed" }, actualState: { notIn: ["destroyed", "destroying"] } } },
    },
    select: { id: true, trialEndsAt: true, tenant: { select: { id: true } } },
    orderBy: { trialEndsAt: "asc" },
  });
  let sent = 0;
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const endsAt = candidate.trialEndsAt!;
    const days = reminderDue(deps.reminderDays, endsAt, asOf);
    if (days === null || !candidate.tenant) continue;
    const tenantId = candidate.tenant.id;
    const queued = await deps.prisma.$transaction(async (tx) => {
      await lockTenant(tx, tenantId);
      // Still trialing with the same end (an extension since the read gets its own reminders).
      const still = await tx.subscription.count({ where: { id: candidate.id, status: "trialing", trialEndsAt: endsAt } });
      if (still === 0) return false;
      const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: trialMailTarget });
      const mailed = await queueTrialEmail(tx, deps.secretBox, tenant, reminderKey(candidate.id, days, endsAt), (recipient) => ({
        purpose: "trial-ending",
        ...recipient,
        trialEndsAt: endsAt,
        daysLeft: daysLeft(days, endsAt, asOf),
        appUrl: appUrlOf(deps.tenantUrl, tenant),
        ...accountLinkOf(deps.portalUrl, tenant),
      }));
      if (!mailed) return false;
      await writeAudit(tx, {
        ...SCHEDULER_ACTOR,
        action: "trial.reminded",
        tenantId,
        outcome: "succeeded",
        details: { subscriptionId: candidate.id, days, trialEndsAt: endsAt.toISOString() },
      });
      return true;
    });
    if (queued) sent += 1;
  }
  return sent;
}
