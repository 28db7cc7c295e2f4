// How a running process (portal, worker, command) learns of a key rotation: from the rotation's row.
// While one is in progress its SecretBox encrypts with the new key and opens values sealed with
// either key, so the product keeps working while the values are re-encrypted. The row is read at
// start (a key retired by a completed rotation stops the boot) and again every few seconds by a
// watch, and at once when a value opens with no key held.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { SecretKeyError, type SecretBox } from "../secrets.ts";
import { lastCompletedRotation, openRotation, unsealNewKey, unsealOldKey } from "./rotation-store.ts";

/** How often a running process reads the rotation's row again. */
export const KEYRING_REFRESH_MS = 5_000;
/**
 * How long a new rotation waits before writing anything under the new key: every running process
 * has read the row by then (twice the refresh, and a margin), so none still encrypts with the old key.
 */
export const ROTATION_GRACE_MS = 2 * KEYRING_REFRESH_MS + 2_000;

export type KeyringState =
  | { kind: "steady" }
  | { kind: "rotating"; rotationId: string; newKeyFingerprint: string }
  /** This process's key cannot take part: the message says what to set. */
  | { kind: "unusable"; message: string };

/** Reads the rotation's row and makes `box` hold what it says; returns where the keyring stands. */
export async function applyRotation(prisma: PrismaClient, box: SecretBox): Promise<KeyringState> {
  const open = await openRotation(prisma);
  if (open) {
    const { oldKeyFingerprint: oldFp, newKeyFingerprint: newFp } = open;
    if (!box.holds(oldFp) && !box.holds(newFp)) {
      return {
        kind: "unusable",
        message:
          `a rotation of the secrets key from the key ${oldFp} to the key ${newFp} is in progress, and this process's key is ${box.fingerprint}, neither of them: ` +
          "give it the key Tenantry had before the rotation (or the new one)",
      };
    }
    if (box.fingerprint !== newFp) box.switchTo(unsealNewKey(box, open));
    if (!box.holds(oldFp)) box.accept(unsealOldKey(box, open));
    return { kind: "rotating", rotationId: open.id, newKeyFingerprint: newFp };
  }
  const last = await lastCompletedRotation(prisma);
  if (last && box.fingerprint === last.oldKeyFingerprint && !box.holds(last.newKeyFingerprint)) {
    return {
      kind: "unusable",
      message:
        `this process's secrets key (${box.fingerprint}) was retired by the rotation completed ${last.completedAt?.toISOString()}: ` +
        `give it the new key (fingerprint ${last.newKeyFingerprint}): the one the rotation put in place of the key file, or the new key it was given`,
    };
  }
  return { kind: "steady" };
}

/** At start: what applyRotation says, or an error that stops the boot when the key cannot serve. */
export async function applyRotationAtStart(prisma: PrismaClient, box: SecretBox): Promise<KeyringState> {
  const state = await applyRotation(prisma, box);
  if (state.kind === "unusable") throw new SecretKeyError(`${state.message}, then start again`);
  return state;
}

export interface KeyringWatch {
  /** Keeps the watch running until the returned function is called (long-running parts each hold it). */
  acquire(): () => Promise<void>;
  /** Wraps a started part so that its stop() also lets the watch go. */
  during<T extends { stop(): Promise<void> }>(part: T): T;
}

/**
 * Re-reads the rotation's row every `intervalMs` while any long-running part holds the watch, and
 * once whenever a value opens with no key the box holds.
 */
export function keyringWatch(prisma: PrismaClient, box: SecretBox, logger: OrchestratorLogger, intervalMs = KEYRING_REFRESH_MS): KeyringWatch {
  let holders = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastReport = "";
  let lastEarlyRefresh = 0;

  const refresh = () => {
    running ??= applyRotation(prisma, box)
      .then((state) => {
        const report = state.kind === "unusable" ? state.message : state.kind === "rotating" ? `rotating to ${state.newKeyFingerprint}` : "steady";
        if (report === lastReport) return;
        lastReport = report;
        if (state.kind === "unusable") logger.error(`Secrets key: ${state.message}.`, { setting: "secrets.key" });
        else if (state.kind === "rotating") logger.info("Secrets key rotation in progress: new values are encrypted with the new key", { newKey: state.newKeyFingerprint });
      })
      .catch((error: unknown) => {
        // The database away for a moment: the next tick tries again.
        logger.debug("could not read the secrets key rotation", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        running = null;
      });
  };

  // A value no key opens: perhaps a rotation began since the last read (at most once a second).
  // Also in a process that runs no long-running part (the portal's HTTP side alone).
  box.onDecryptFailure(() => {
    if (Date.now() - lastEarlyRefresh < 1_000) return;
    lastEarlyRefresh = Date.now();
    refresh();
  });

  const watch: KeyringWatch = {
    acquire() {
      holders++;
      if (!timer) {
        timer = setInterval(refresh, intervalMs);
        timer.unref();
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        if (--holders > 0) return;
        if (timer) clearInterval(timer);
        timer = null;
        await running;
      };
    },
    during(part) {
      const release = watch.acquire();
      const stop = part.stop.bind(part);
      part.stop = async () => {
        try {
          await stop();
        } finally {
          await release();
        }
      };
      return part;
    },
  };
  return watch;
}
