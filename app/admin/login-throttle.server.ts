// Sign-in throttling that holds under parallel requests. Every attempt is counted BEFORE the
// password is checked, with one atomic upsert per key (INSERT … ON CONFLICT DO UPDATE … RETURNING),
// so 200 parallel attempts get the counts 1 to 200 and only the first LIMIT reach bcrypt.
// Two keys: the client address (any email), and the typed email from that address. There is no
// lock per account alone: someone who knows an admin's email can only lock that email from their
// own address, and the owner still signs in from another one. `npm run admin:unlock` clears them.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../prisma/generated/client.ts";

/** Attempts allowed per window, per address and per (email, address). */
export const THROTTLE_LIMIT = 5;
export const THROTTLE_WINDOW_MINUTES = 15;

export type ThrottleScope = "address" | "account-address";

export interface ThrottleVerdict {
  allowed: boolean;
  /** Which key refused (when not allowed). */
  refusedBy?: ThrottleScope;
  /** The first refusal of this key's window: the moment to audit the lock, once. */
  firstRefusal?: boolean;
}

/** Counts one attempt in the key's window; returns the count including this attempt. */
async function countAttempt(
  prisma: PrismaClient,
  scope: ThrottleScope,
  key: string,
  account: string | null,
  address: string,
  now: Date,
): Promise<number> {
  const windowOpenedBefore = new Date(now.getTime() - THROTTLE_WINDOW_MINUTES * 60_000);
  const rows = await prisma.$queryRaw<{ count: number }[]>`
    INSERT INTO "LoginThrottle" ("id", "scope", "key", "account", "address", "count", "windowStart", "updatedAt")
    VALUES (${randomUUID()}, ${scope}, ${key}, ${account}, ${address}, 1, ${now}, ${now})
    ON CONFLICT ("scope", "key") DO UPDATE SET
      "count" = CASE WHEN "LoginThrottle"."windowStart" <= ${windowOpenedBefore} THEN 1 ELSE "LoginThrottle"."count" + 1 END,
      "windowStart" = CASE WHEN "LoginThrottle"."windowStart" <= ${windowOpenedBefore} THEN ${now} ELSE "LoginThrottle"."windowStart" END,
      "updatedAt" = ${now}
    RETURNING "count"`;
  return Number(rows[0]!.count);
}

function pairKey(account: string, address: string): string {
  return JSON.stringify([account, address]);
}

let lastPrune = 0;

/** Deletes the rows whose window is over (at most once a minute per process): they count nothing. */
async function pruneExpired(prisma: PrismaClient, now: Date): Promise<void> {
  if (now.getTime() - lastPrune < 60_000) return;
  lastPrune = now.getTime();
  await prisma.loginThrottle.deleteMany({ where: { windowStart: { lte: new Date(now.getTime() - THROTTLE_WINDOW_MINUTES * 60_000) } } });
}

/**
 * Records an attempt for the address, then for (email, address). Allowed only when both are within
 * the limit; a refused attempt must not check the password at all.
 */
export async function recordLoginAttempt(prisma: PrismaClient, account: string, address: string, now: Date): Promise<ThrottleVerdict> {
  await pruneExpired(prisma, now);
  const fromAddress = await countAttempt(prisma, "address", address, null, address, now);
  if (fromAddress > THROTTLE_LIMIT) return { allowed: false, refusedBy: "address", firstRefusal: fromAddress === THROTTLE_LIMIT + 1 };
  const forAccount = await countAttempt(prisma, "account-address", pairKey(account, address), account, address, now);
  if (forAccount > THROTTLE_LIMIT) return { allowed: false, refusedBy: "account-address", firstRefusal: forAccount === THROTTLE_LIMIT + 1 };
  return { allowed: true };
}

/**
 * After a right password: the (email, address) counter starts again and the address gets its
 * attempt back, so that colleagues behind one office address are not locked out by successes.
 */
export async function forgiveLoginAttempt(prisma: PrismaClient, account: string, address: string): Promise<void> {
  await prisma.loginThrottle.deleteMany({ where: { scope: "account-address", key: pairKey(account, address) } });
  await prisma.loginThrottle.updateMany({ where: { scope: "address", key: address, count: { gt: 0 } }, data: { count: { decrement: 1 } } });
}

/**
 * Clears what keeps an email from signing in: its counters at every address, and those addresses'
 * own counters. Returns the addresses unlocked.
 */
export async function clearLoginThrottle(prisma: PrismaClient, account: string): Promise<string[]> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.loginThrottle.findMany({ where: { scope: "account-address", account }, select: { address: true } });
    const addresses = [...new Set(rows.map((r) => r.address))];
    await tx.loginThrottle.deleteMany({ where: { scope: "account-address", account } });
    await tx.loginThrottle.deleteMany({ where: { scope: "address", key: { in: addresses } } });
    return addresses;
  });
}
