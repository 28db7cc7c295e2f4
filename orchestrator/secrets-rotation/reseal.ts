// One value re-encrypted for a rotation: left alone when it already opens with the new key (so a
// run after an interruption goes on where the last one stopped), opened with the old key and sealed
// again with the new one otherwise, with the same context. A value neither key opens is reported by
// where it is, never by what it holds.
import { SecretBox } from "../secrets.ts";

export interface RotationKeys {
  oldKey: Buffer;
  newKey: Buffer;
}

export type Resealed = { state: "new" } | { state: "resealed"; sealed: string } | { state: "neither" };

export class Resealer {
  readonly #old: SecretBox;
  readonly #new: SecretBox;

  constructor(keys: RotationKeys) {
    this.#old = new SecretBox(keys.oldKey);
    this.#new = new SecretBox(keys.newKey);
  }

  reseal(sealed: string, context: string): Resealed {
    if (this.#new.opensWithCurrentKey(sealed, context)) return { state: "new" };
    let clear: string;
    try {
      clear = this.#old.decrypt(sealed, context);
    } catch {
      return { state: "neither" };
    }
    return { state: "resealed", sealed: this.#new.encrypt(clear, context) };
  }

  /** Whether the value opens with the new key alone. */
  opensWithNewKey(sealed: string, context: string): boolean {
    return this.#new.opensWithCurrentKey(sealed, context);
  }
}

/** What one pass did for one kind of value; the operator reads it, one line per kind. */
export interface KindReport {
  kind: "tenant secrets" | "sealed emails" | "final dumps" | "development mailbox";
  /** Values (or files) sealed again with the new key. */
  resealed: number;
  /** Already under the new key (a run after an interruption). */
  alreadyNew: number;
  /** Changed by someone else between reading and writing: the next pass takes them again. */
  changedMeanwhile: number;
  /** Where a value is that neither key opens ("TenantSecret <id>"), never its content. */
  unopenable: string[];
  /** Files recorded but gone (deleted by retention meanwhile). */
  missing: number;
}

export function emptyReport(kind: KindReport["kind"]): KindReport {
  return { kind, resealed: 0, alreadyNew: 0, changedMeanwhile: 0, unopenable: [], missing: 0 };
}
