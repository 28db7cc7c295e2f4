// A rotation of the secrets key from start to end (`npm run secrets:rotate`): the row is written
// (or the interrupted one taken up), running processes are given time to learn the new key, then
// every kind of sealed value is re-encrypted, pass after pass until a pass finds nothing left under
// the old key. Then the caller swaps its key (beforeComplete), and the row is completed with both
// sealed keys erased. Killed at any point, a run again with the same keys goes on where it stopped.
// Audited: one entry when a run starts, one when it ends (completed or failed), actor "operator".
import { setTimeout as sleep } from "node:timers/promises";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { keyFingerprint, SecretKeyError } from "../secrets.ts";
import { ROTATION_GRACE_MS } from "./keyring.ts";
import { resealDevMailbox, resealFinalDumps, resealSealedEmails, resealTenantSecrets, type PassContext } from "./kinds.ts";
import { beginRotation, markCompleted } from "./rotation-store.ts";
import { Resealer, type KindReport, type RotationKeys } from "./reseal.ts";

export interface RotationOptions extends RotationKeys {
  prisma: PrismaClient;
  clock: Clock;
  /** Who runs it, for the audit entries (e.g. "secrets:rotate by deploy@host"). */
  operator: string;
  dumpsDir: string;
  devMailboxDir: string | null;
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Wait before the first value is written under the new key (default ROTATION_GRACE_MS). */
  graceMs?: number;
  /** Told of what happens, for the operator's output. */
  progress?: (line: string) => void;
  /** Test hook: after each committed batch or file. */
  afterBatch?: (report: KindReport) => Promise<void>;
  /** Once every value is under the new key, before the rotation is marked completed (swap the key file here). */
  beforeComplete?: () => Promise<void>;
}

export interface RotationReport {
  rotationId: string;
  resumed: boolean;
  oldKeyFingerprint: string;
  newKeyFingerprint: string;
  /** What each kind amounted to over all passes of this run. */
  kinds: KindReport[];
  /** Development mailbox files neither key opens: left as they are (they expire in 3 days). */
  unreadableMailboxFiles: string[];
}

const MAX_PASSES = 5;

/** A failure once the rotation has begun: values may be under either key, and a run again goes on. */
export class RotationError extends Error {
  override name = "RotationError";
}

export async function runKeyRotation(options: RotationOptions): Promise<RotationReport> {
  const { prisma, clock } = options;
  const oldKeyFingerprint = keyFingerprint(options.oldKey);
  const newKeyFingerprint = keyFingerprint(options.newKey);
  const { row, resumed } = await beginRotation(prisma, options.oldKey, options.newKey, clock.now());
  const audit = (action: "secrets.rotation_started" | "secrets.rotation_completed" | "secrets.rotation_failed", outcome: "succeeded" | "failed", details: Record<string, string | number | boolean | null>) =>
    writeAudit(prisma, { actorType: "operator", actorId: options.operator, action, outcome, details: { rotationId: row.id, oldKey: oldKeyFingerprint, newKey: newKeyFingerprint, ...details } });
  await audit("secrets.rotation_started", "succeeded", { resumed, run: row.runs });
  try {
    // Processes read the row every few seconds: none may still encrypt with the old key once
    // values are moved (a value written under the old key after its pass would be lost at the swap).
    const wait = (options.graceMs ?? ROTATION_GRACE_MS) - (clock.now().getTime() - row.startedAt.getTime());
    if (wait > 0) {
      options.progress?.(`Waiting ${Math.ceil(wait / 1000)} s for the running portal and workers to learn the new key…`);
      await sleep(wait);
    }
    const context: PassContext = {
      prisma,
      resealer: new Resealer(options),
      rotationId: row.id,
      batchSize: options.batchSize ?? 100,
      dumpsDir: options.dumpsDir,
      devMailboxDir: options.devMailboxDir,
      afterBatch: options.afterBatch ?? (async () => {}),
    };
    const totals = new Map<KindReport["kind"], KindReport>();
    let unreadableMailboxFiles: string[] = [];
    for (let pass = 1; ; pass++) {
      const reports = [await resealTenantSecrets(context), await resealSealedEmails(context), await resealFinalDumps(context), await resealDevMailbox(context)];
      for (const r of reports) {
        const total = totals.get(r.kind);
        totals.set(r.kind, total ? { ...r, resealed: total.resealed + r.resealed, alreadyNew: pass === 1 ? r.alreadyNew : total.alreadyNew } : r);
      }
      const unopenable = reports.filter((r) => r.kind !== "development mailbox").flatMap((r) => r.unopenable);
      if (unopenable.length > 0) {
        throw new RotationError(
          `${unopenable.length} stored value(s) open with neither the old key (${oldKeyFingerprint}) nor the new one (${newKeyFingerprint}): ` +
            `${unopenable.slice(0, 10).join("; ")}${unopenable.length > 10 ? "; …" : ""}. ` +
            "They were sealed with yet another key: restore that key and rotate from it, or remove those rows (and files) if they are no longer needed, then run the command again.",
        );
      }
      unreadableMailboxFiles = reports.find((r) => r.kind === "development mailbox")?.unopenable ?? [];
      // Done when a pass moved nothing and nothing changed under it.
      if (reports.every((r) => r.resealed === 0 && r.changedMeanwhile === 0)) break;
      if (pass === MAX_PASSES) {
        throw new RotationError(`values kept changing under the old key after ${MAX_PASSES} passes: run the command again (it goes on where it stopped).`);
      }
    }
    await options.beforeComplete?.();
    const kinds = [...totals.values()];
    const summary = Object.fromEntries(kinds.map((k) => [k.kind, { resealed: k.resealed, alreadyNew: k.alreadyNew, missing: k.missing }]));
    await prisma.$transaction(async (tx) => {
      if (!(await markCompleted(tx, row.id, clock.now(), summary))) throw new SecretKeyError(`the rotation ${row.id} was completed by another run meanwhile`);
      await writeAudit(tx, {
        actorType: "operator",
        actorId: options.operator,
        action: "secrets.rotation_completed",
        outcome: "succeeded",
        details: { rotationId: row.id, oldKey: oldKeyFingerprint, newKey: newKeyFingerprint, resealed: kinds.reduce((n, k) => n + k.resealed, 0) },
      });
    });
    return { rotationId: row.id, resumed, oldKeyFingerprint, newKeyFingerprint, kinds, unreadableMailboxFiles };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await audit("secrets.rotation_failed", "failed", { error: message.slice(0, 500) }).catch(() => {});
    throw error instanceof RotationError ? error : new RotationError(message, { cause: error });
  }
}
