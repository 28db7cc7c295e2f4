// The sender's writes to OperatorNotification rows after they are raised (alerts.ts raises them).
// A claim sets status "sending" with a new fencing token and a lease (nextAttemptAt = the lease's
// end); while the delivery runs the lease is renewed; the outcome is recorded only by the holder
// of the token, so a sender whose row was taken over (it stalled past its lease) records nothing.
// Claims skip rows another sender has locked, so several senders run side by side.
import { randomUUID } from "node:crypto";
import type { OperatorNotification, Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { claimOldestDue } from "../jobs/outbox-claim.ts";

export interface ClaimedNotification {
  row: OperatorNotification;
  /** Every later write names the row and the token. */
  guard: { id: string; leaseToken: string; status: "sending" };
}

/** The oldest due notification (pending, or sending with an ended lease), claimed; null when none. */
export async function claimDueNotification(prisma: PrismaClient, now: Date, leaseMs: number): Promise<ClaimedNotification | null> {
  const claim = await claimOldestDue(prisma, "OperatorNotification", now, leaseMs);
  return claim ? readClaim(prisma, claim.id, claim.token) : null;
}

/**
 * Raises nothing: claims the row with this key at once, inside the caller's transaction (the one
 * that raised it), so no background sender can take it first (`npm run notify:test`).
 */
export async function claimRaisedNotification(
  tx: Prisma.TransactionClient,
  idempotencyKey: string,
  now: Date,
  leaseMs: number,
): Promise<{ id: string; token: string } | null> {
  const token = randomUUID();
  const { count } = await tx.operatorNotification.updateMany({
    where: { idempotencyKey, status: "pending" },
    data: { status: "sending", attempts: { increment: 1 }, nextAttemptAt: new Date(now.getTime() + leaseMs), leaseToken: token },
  });
  if (count !== 1) return null;
  const row = await tx.operatorNotification.findUniqueOrThrow({ where: { idempotencyKey }, select: { id: true } });
  return { id: row.id, token };
}

export async function readClaim(prisma: PrismaClient, id: string, token: string): Promise<ClaimedNotification | null> {
  const guard = { id, leaseToken: token, status: "sending" as const };
  const row = await prisma.operatorNotification.findFirst({ where: guard });
  return row ? { row, guard } : null;
}

/** Extends the lease; false when the row was taken over. */
export async function renewNotificationLease(prisma: PrismaClient, claim: ClaimedNotification, now: Date, leaseMs: number): Promise<boolean> {
  const { count } = await prisma.operatorNotification.updateMany({ where: claim.guard, data: { nextAttemptAt: new Date(now.getTime() + leaseMs) } });
  return count === 1;
}

export type NotificationOutcome =
  /** Delivered (or logged in mock mode): `note` says how when it is not a plain delivery. */
  | { status: "sent"; note: string | null }
  | { status: "retry"; error: string; at: Date }
  | { status: "failed"; error: string };

/** Records the outcome while the claim still holds; false when another sender took the row over. */
export async function finishNotification(prisma: PrismaClient, claim: ClaimedNotification, now: Date, outcome: NotificationOutcome): Promise<boolean> {
  const data: Prisma.OperatorNotificationUpdateManyMutationInput =
    outcome.status === "sent"
      ? // No column of its own for a note: lastError carries it on a sent row ("mock mode: …").
        { status: "sent", sentAt: now, leaseToken: null, lastError: outcome.note }
      : outcome.status === "retry"
        ? { status: "pending", nextAttemptAt: outcome.at, leaseToken: null, lastError: outcome.error.slice(0, 2000) }
        : { status: "failed", leaseToken: null, lastError: outcome.error.slice(0, 2000) };
  const { count } = await prisma.operatorNotification.updateMany({ where: claim.guard, data });
  return count === 1;
}
