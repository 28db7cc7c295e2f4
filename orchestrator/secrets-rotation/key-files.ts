// The key file's side of a rotation (when the key lives in the data folder's secrets.key, not in the configuration):
// the new key waits in secrets.key.next (mode 0600) until every value is under it, so a run after
// an interruption reuses it; then the old key is kept as retired-keys/<fingerprint>.key (0600: older
// backups need it) and secrets.key.next is renamed over secrets.key, one atomic step.
import { chmod, mkdir, open, readFile, rename, stat } from "node:fs/promises";
import path from "node:path";
import { formatSecretKey, keyFingerprint, newSecretKey, parseSecretKey, SecretKeyError } from "../secrets.ts";

export interface KeyFiles {
  /** The key file: secrets.key in the data folder. */
  keyFile: string;
}

export const nextKeyFile = (files: KeyFiles) => `${files.keyFile}.next`;
export const retiredKeysDir = (files: KeyFiles) => path.join(path.dirname(files.keyFile), "retired-keys");
export const retiredKeyFile = (files: KeyFiles, key: Buffer) => path.join(retiredKeysDir(files), `${keyFingerprint(key)}.key`);

/** The key in `file`, or null when there is no such file (never created here). */
export async function readKeyFile(file: string): Promise<Buffer | null> {
  try {
    return parseSecretKey(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * The new key waiting in secrets.key.next: `wanted` written there if the file is absent (a new random
 * key when nothing is wanted), or the key already there, which must be `wanted` when one is given.
 */
export async function prepareNextKey(files: KeyFiles, wanted: Buffer | null): Promise<Buffer> {
  const file = nextKeyFile(files);
  await writeKeyFileOnce(file, wanted ?? newSecretKey());
  const key = (await readKeyFile(file))!;
  if (wanted && keyFingerprint(key) !== keyFingerprint(wanted)) {
    throw new SecretKeyError(
      `${file} holds the key ${keyFingerprint(key)}, not the new key ${keyFingerprint(wanted)}: it is left from another attempt. ` +
        "Remove it if no rotation to it is in progress, then run the command again",
    );
  }
  return key;
}

/** Keeps the old key under retired-keys/ and puts the new one in place of the key file. */
export async function swapKeyFiles(files: KeyFiles, oldKey: Buffer, newKey: Buffer): Promise<{ retiredKeyFile: string }> {
  await mkdir(retiredKeysDir(files), { recursive: true, mode: 0o700 });
  const retired = retiredKeyFile(files, oldKey);
  await writeKeyFileOnce(retired, oldKey);
  const current = await readKeyFile(files.keyFile);
  if (!current || keyFingerprint(current) !== keyFingerprint(newKey)) {
    const next = nextKeyFile(files);
    const waiting = await readKeyFile(next);
    if (!waiting || keyFingerprint(waiting) !== keyFingerprint(newKey)) {
      // Lost between runs: written again from the key this run holds.
      await writeKeyFileOnce(next, newKey, true);
    }
    await rename(next, files.keyFile);
  }
  return { retiredKeyFile: retired };
}

/** Writes `key` to `file` (0600, flushed) unless the file exists; `replace` overwrites it. */
async function writeKeyFileOnce(file: string, key: Buffer, replace = false): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    const handle = await open(file, replace ? "w" : "wx", 0o600);
    try {
      await handle.writeFile(formatSecretKey(key) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  if ((await stat(file)).mode & 0o077) await chmod(file, 0o600);
}
