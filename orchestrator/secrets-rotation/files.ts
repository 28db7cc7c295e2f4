// Sealed files rewritten in place for a rotation: a temporary file beside the original (same mode,
// same modification time, so retention by age is not reset), flushed, then renamed over it. A
// reader sees the old file or the new one, never half of one.
import { randomBytes } from "node:crypto";
import { chmod, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";

/** Replaces `file`'s contents atomically; false when the file is gone (nothing is recreated). */
export async function rewriteFile(file: string, contents: string): Promise<boolean> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (!info) return false;
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, info.mode & 0o777);
    await utimes(temporary, info.atimeMs / 1000, info.mtimeMs / 1000);
    await rename(temporary, file);
    return true;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The file's text, or null when it does not exist. */
export async function readIfExists(file: string): Promise<string | null> {
  return readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
}
