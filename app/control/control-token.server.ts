// The token of the portal's control channel: a fresh random value written at each start to
// <DATA_DIR>/control.token (mode 0600), so only someone who can read the data folder (the operator,
// on the same machine) can ask the running portal to run its tasks. With the embedded database,
// which one process holds, that is how `npm run tasks` and `npm run notify:test` reach it.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export function controlTokenPath(dataDir: string): string {
  return path.join(dataDir, "control.token");
}

export async function issueControlToken(dataDir: string): Promise<string> {
  const token = randomBytes(32).toString("hex");
  const file = controlTokenPath(dataDir);
  await mkdir(dataDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return token;
}

/** null when no portal wrote one (never started with this data folder). */
export async function readControlToken(dataDir: string): Promise<string | null> {
  const text = await readFile(controlTokenPath(dataDir), "utf8").catch(() => null);
  return text?.trim() || null;
}

export function tokensMatch(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
