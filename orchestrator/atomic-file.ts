// Files written so that a reader sees the old file or the new one, never half of one: the contents
// go to a temporary file beside the target (created with mode 0600, flushed to disk), which is then
// given its final mode (and, when asked, the modification time of the file it replaces, so that
// retention by age is not reset) and renamed over the target. On failure the temporary file is
// removed and the error is thrown as it was. Used for final dumps and for files a key rotation
// re-seals.
import { randomBytes } from "node:crypto";
import { chmod, open, rename, rm, utimes } from "node:fs/promises";
import path from "node:path";

export interface AtomicWriteOptions {
  /** The file's mode once written (the umask may have widened the one it was created with). */
  mode: number;
  /** Access and modification times to keep (those of the file being replaced). */
  times?: { atimeMs: number; mtimeMs: number };
}

export async function writeFileAtomically(target: string, contents: string, options: AtomicWriteOptions): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, options.mode);
    if (options.times) await utimes(temporary, options.times.atimeMs / 1000, options.times.mtimeMs / 1000);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
