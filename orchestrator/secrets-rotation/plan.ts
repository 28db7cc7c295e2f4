// Which keys a run of `secrets:rotate` rotates between, from the key the portal is configured with
// and the rotation's row: a new rotation from the current key to the one proposed; the one in
// progress taken up (its new key read from the row, sealed under the current key); or, when the
// current key already is that rotation's new key (the key file swapped, or the configured key changed,
// before the run that did it was stopped), that rotation finished with its old key from the row.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { keyFingerprint, SecretBox, SecretKeyError } from "../secrets.ts";
import type { RotationKeys } from "./reseal.ts";
import { openRotation, unsealNewKey, unsealOldKey } from "./rotation-store.ts";

export interface RotationPlan extends RotationKeys {
  /** The rotation in progress this run takes up, or null for a new one. */
  inProgress: { id: string; startedAt: Date } | null;
  /** The configured key already is the new one: only the re-encryption's end is left. */
  currentIsNew: boolean;
}

/**
 * `proposeNewKey` gives the new key of a new rotation (called only when none is in progress).
 * Refuses a configured key that is neither key of the rotation in progress.
 */
export async function rotationKeys(prisma: PrismaClient, currentKey: Buffer, proposeNewKey: () => Promise<Buffer>): Promise<RotationPlan> {
  const open = await openRotation(prisma);
  const current = keyFingerprint(currentKey);
  if (!open) return { oldKey: currentKey, newKey: await proposeNewKey(), inProgress: null, currentIsNew: false };
  const inProgress = { id: open.id, startedAt: open.startedAt };
  const box = new SecretBox(currentKey);
  if (current === open.newKeyFingerprint) return { oldKey: unsealOldKey(box, open), newKey: currentKey, inProgress, currentIsNew: true };
  if (current === open.oldKeyFingerprint) return { oldKey: currentKey, newKey: unsealNewKey(box, open), inProgress, currentIsNew: false };
  throw new SecretKeyError(
    `a rotation from the key ${open.oldKeyFingerprint} to the key ${open.newKeyFingerprint} is in progress (started ${open.startedAt.toISOString()}), ` +
      `and the configured key is ${current}, neither of them: configure the key Tenantry had when that rotation started, then run the command again`,
  );
}
