// Sealed files rewritten in place for a rotation: a temporary file beside the original (same mode,
// same modification time, so retention by age is not reset), flushed, then renamed over it. A
// reader sees the old file or the new one, never half of one.
import { readFile, stat } from "node:fs/promises";
import { writeFileAtomically } from "../atomic-file.ts";

/** Replaces `file`'s contents atomically; false when the file is gone (nothing is recreated). */
export async function rewriteFile(file: string, contents: string): Promise<boolean> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (!info) return false;
  await writeFileAtomically(file, contents, { mode: info.mode & 0o777, times: info });
  return true;
}

/** The file's text, or null when it does not exist. */
export async function readIfExists(file: string): Promise<string | null> {
  return readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
}
