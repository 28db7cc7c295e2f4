// `npm run db:backup -- --list`: the backups in a folder, newest first, read from their headers
// (no key needed: a header holds no data, only times, migrations, the key's fingerprint and counts).
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { backupTimeOf } from "./backup.ts";
import { readHeader } from "./format.ts";

export interface BackupListing {
  file: string;
  createdAt: string;
  bytes: number;
  rows: number;
  keyFingerprint: string;
  lastMigration: string | null;
  /** Why the header could not be read (a damaged file), if so. */
  problem?: string;
}

export async function listPortalBackups(dir: string): Promise<BackupListing[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const listings: BackupListing[] = [];
  for (const name of names.filter((n) => backupTimeOf(n)).sort().reverse()) {
    const file = path.join(dir, name);
    try {
      const { header, size } = await readHeader(file);
      listings.push({
        file,
        createdAt: header.createdAt,
        bytes: size,
        rows: Object.values(header.tables).reduce((a, b) => a + b, 0),
        keyFingerprint: header.keyFingerprint,
        lastMigration: header.migrations.at(-1) ?? null,
      });
    } catch (error) {
      const { size } = await stat(file);
      listings.push({ file, createdAt: backupTimeOf(name)!.toISOString(), bytes: size, rows: 0, keyFingerprint: "?", lastMigration: null, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return listings;
}
