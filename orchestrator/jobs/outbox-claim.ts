// The claim both outboxes share (the email outbox and the operators' notifications): the oldest
// row due (pending, or sending with an ended lease) becomes "sending" with a new fencing token
// and a lease (nextAttemptAt = the lease's end), in one statement that skips rows another sender
// has locked, so several senders run side by side and each row goes to one of them.
import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "../../prisma/generated/client.ts";

export type OutboxTable = "EmailOutbox" | "OperatorNotification";

/** The claimed row's id and token; null when nothing is due. */
export async function claimOldestDue(prisma: PrismaClient, table: OutboxTable, now: Date, leaseMs: number): Promise<{ id: string; token: string } | null> {
  const token = randomUUID();
  // The table name is one of two constants, never input.
  const name = Prisma.raw(`"${table}"`);
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE ${name}
       SET status = 'sending', attempts = attempts + 1, "nextAttemptAt" = ${new Date(now.getTime() + leaseMs)},
           "leaseToken" = ${token}
     WHERE id = (
       SELECT id FROM ${name}
        WHERE status IN ('pending', 'sending') AND "nextAttemptAt" <= ${now}
        ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  const id = rows[0]?.id;
  return id ? { id, token } : null;
}
