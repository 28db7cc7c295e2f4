// Writes one backup of the portal's own database: every table of the public schema (the
// migrator's included) copied by the database itself (row_to_json, read through a cursor in one
// repeatable-read transaction, so the copy is one consistent moment), gzipped and sealed
// (format.ts), written to a temporary file then renamed, mode 0600. Nothing is held in memory
// beyond one batch of rows.
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { createGzip } from "node:zlib";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { appliedMigrations, countRows, listSequences, listTables, quoteIdent, sequenceValue, type TableInfo } from "./catalog.ts";
import { BACKUP_EXTENSION, END_MARKER, sealer, tableMarker } from "./format.ts";

const BATCH_ROWS = 500;
/** A backup of a large-ish portal database takes a while; the transaction must not time out first. */
const TRANSACTION_TIMEOUT_MS = 60 * 60_000;

export interface PortalBackupOptions {
  prisma: PrismaClient;
  secretKey: Buffer;
  clock: Clock;
  /** Folder the file is written to (created if missing). */
  dir: string;
}

export interface PortalBackupReport {
  file: string;
  bytes: number;
  rows: number;
  tables: number;
  durationMs: number;
  createdAt: string;
}

/** The file name of a backup written at `at`: the time only, sortable (20261203T150221.123Z). */
export function backupFileName(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "") + BACKUP_EXTENSION;
}

/** The time a backup's file name says it was written at, or null for any other file. */
export function backupTimeOf(fileName: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z\.tenantry-backup$/.exec(fileName);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, ms] = match;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

export async function writePortalBackup(options: PortalBackupOptions): Promise<PortalBackupReport> {
  const started = Date.now();
  const createdAt = options.clock.now();
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const file = path.join(options.dir, backupFileName(createdAt));
  const temporary = `${file}.partial`;
  let rows = 0;
  let tables = 0;
  try {
    await options.prisma.$transaction(
      async (tx) => {
        const list = await listTables(tx);
        const counts: Record<string, number> = {};
        for (const table of list) counts[table.name] = await countRows(tx, table.name);
        const sequences: Record<string, number> = {};
        for (const seq of await listSequences(tx)) sequences[seq.sequence] = await sequenceValue(tx, seq.sequence);
        const header = { createdAt: createdAt.toISOString(), migrations: await appliedMigrations(tx), tables: counts, sequences };
        rows = Object.values(counts).reduce((a, b) => a + b, 0);
        tables = list.length;
        await pipeline(
          Readable.from(bodyLines(tx, list)),
          createGzip(),
          sealer(options.secretKey, header),
          createWriteStream(temporary, { mode: 0o600, flags: "wx" }),
        );
      },
      { isolationLevel: "RepeatableRead", timeout: TRANSACTION_TIMEOUT_MS, maxWait: 60_000 },
    );
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const { size } = await stat(file);
  return { file, bytes: size, rows, tables, durationMs: Date.now() - started, createdAt: createdAt.toISOString() };
}

// The body: for each table a marker line, then its rows as JSON text (exactly as PostgreSQL
// writes them: no number passes through JavaScript), in primary-key order, a batch at a time.
async function* bodyLines(tx: Prisma.TransactionClient, list: TableInfo[]): AsyncGenerator<string> {
  for (const table of list) {
    yield tableMarker(table.name) + "\n";
    const order = table.primaryKey.length ? ` ORDER BY ${table.primaryKey.map((c) => `t.${quoteIdent(c)}`).join(", ")}` : "";
    await tx.$executeRawUnsafe(`DECLARE portal_backup_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${quoteIdent(table.name)} t${order}`);
    for (;;) {
      const batch = await tx.$queryRawUnsafe<{ j: string }[]>(`FETCH ${BATCH_ROWS} FROM portal_backup_rows`);
      if (batch.length === 0) break;
      yield batch.map((row) => row.j + "\n").join("");
      if (batch.length < BATCH_ROWS) break;
    }
    await tx.$executeRawUnsafe(`CLOSE portal_backup_rows`);
  }
  yield END_MARKER + "\n";
}
