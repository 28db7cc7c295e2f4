// The SecretKeyRotation rows: the one record of a key rotation, read by every process to learn the
// incoming key (keyring.ts) and written by the rotation's runner (runner.ts). Each key is stored
// sealed under the other one, so a process holding either key learns both while the rotation is in
// progress; both are erased when it completes. Keys are named by fingerprint, never in clear.
import type { Prisma, PrismaClient, SecretKeyRotation } from "../../prisma/generated/client.ts";
import { formatSecretKey, keyFingerprint, parseSecretKey, SecretBox, SecretKeyError } from "../secrets.ts";

export type RotationRow = SecretKeyRotation;

const newKeyContext = (row: { newKeyFingerprint: string }) => `key-rotation/${row.newKeyFingerprint}/new-key`;
const oldKeyContext = (row: { oldKeyFingerprint: string }) => `key-rotation/${row.oldKeyFingerprint}/old-key`;

/** The rotation in progress, if any (at most one: a partial unique index). */
export function openRotation(prisma: PrismaClient | Prisma.TransactionClient): Promise<RotationRow | null> {
  return prisma.secretKeyRotation.findFirst({ where: { completedAt: null } });
}

/** The last rotation that completed, if any. */
export function lastCompletedRotation(prisma: PrismaClient | Prisma.TransactionClient): Promise<RotationRow | null> {
  return prisma.secretKeyRotation.findFirst({ where: { completedAt: { not: null } }, orderBy: { completedAt: "desc" } });
}

/** The new key of a rotation in progress, opened with `box` (which must hold the old key). */
export function unsealNewKey(box: SecretBox, row: RotationRow): Buffer {
  if (!row.newKeySealed) throw new SecretKeyError(`the rotation ${row.id} is completed: its keys are no longer stored`);
  return parseSecretKey(box.decrypt(row.newKeySealed, newKeyContext(row)));
}

/** The old key of a rotation in progress, opened with `box` (which must hold the new key). */
export function unsealOldKey(box: SecretBox, row: RotationRow): Buffer {
  if (!row.oldKeySealed) throw new SecretKeyError(`the rotation ${row.id} is completed: its keys are no longer stored`);
  return parseSecretKey(box.decrypt(row.oldKeySealed, oldKeyContext(row)));
}

export interface BegunRotation {
  row: RotationRow;
  /** True when a rotation interrupted before was found and taken up again. */
  resumed: boolean;
}

/**
 * Starts the rotation from `oldKey` to `newKey`, or takes up the one in progress between the same
 * keys. A rotation in progress between other keys is refused with what to do.
 */
export async function beginRotation(prisma: PrismaClient, oldKey: Buffer, newKey: Buffer, now: Date): Promise<BegunRotation> {
  const oldKeyFingerprint = keyFingerprint(oldKey);
  const newKeyFingerprint = keyFingerprint(newKey);
  if (oldKeyFingerprint === newKeyFingerprint) {
    throw new SecretKeyError("the new secrets key is the current one: give a different key (openssl rand -hex 32)");
  }
  const last = await lastCompletedRotation(prisma);
  const retiredBy = last?.oldKeyFingerprint === oldKeyFingerprint ? last : null;
  if (retiredBy) {
    throw new SecretKeyError(
      `the key ${oldKeyFingerprint} was retired by the rotation completed ${retiredBy.completedAt?.toISOString()} (to the key ${retiredBy.newKeyFingerprint}): ` +
        "nothing is sealed with it any more. Configure the current key (the key rotated to), then rotate from it if you want another rotation",
    );
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const open = await openRotation(prisma);
    if (open) {
      if (open.oldKeyFingerprint !== oldKeyFingerprint || open.newKeyFingerprint !== newKeyFingerprint) {
        throw new SecretKeyError(
          `a rotation from the key ${open.oldKeyFingerprint} to the key ${open.newKeyFingerprint} is in progress (started ${open.startedAt.toISOString()}), ` +
            `not from ${oldKeyFingerprint} to ${newKeyFingerprint}: run the command again with that rotation's keys to finish it first`,
        );
      }
      const row = await prisma.secretKeyRotation.update({ where: { id: open.id }, data: { runs: { increment: 1 } } });
      return { row, resumed: true };
    }
    const base = { oldKeyFingerprint, newKeyFingerprint };
    try {
      const row = await prisma.secretKeyRotation.create({
        data: {
          ...base,
          newKeySealed: new SecretBox(oldKey).encrypt(formatSecretKey(newKey), newKeyContext(base)),
          oldKeySealed: new SecretBox(newKey).encrypt(formatSecretKey(oldKey), oldKeyContext(base)),
          startedAt: now,
        },
      });
      return { row, resumed: false };
    } catch (error) {
      // Another run created one at the same moment (the one-in-progress index): look again.
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  throw new SecretKeyError("another secrets:rotate is starting at the same moment: let it run, or try again in a minute");
}

/** Adds to the rotation's count of re-encrypted values (in the caller's transaction when given). */
export async function countResealed(db: PrismaClient | Prisma.TransactionClient, id: string, resealed: number): Promise<void> {
  if (resealed > 0) await db.secretKeyRotation.update({ where: { id }, data: { resealed: { increment: resealed } } });
}

/** Marks the rotation completed and erases both sealed keys; false when it was completed already. */
export async function markCompleted(tx: Prisma.TransactionClient, id: string, now: Date, summary: Prisma.InputJsonValue): Promise<boolean> {
  const { count } = await tx.secretKeyRotation.updateMany({
    where: { id, completedAt: null },
    data: { completedAt: now, newKeySealed: null, oldKeySealed: null, summary },
  });
  return count === 1;
}
