// Restores a portal backup into a database no portal is using. Every check comes before any change:
// the file's checksum (damage), the key's fingerprint (which key it needs), the whole body
// authenticated and counted, the backup's migrations known to this code, the target empty (or
// --force). Then the target is brought to the backup's migrations (dropping what it had when it
// is at other ones), the rows are loaded in one transaction (emptying the tables first, in that
// same transaction, when it already was at the backup's migrations), the sequences set, the
// remaining migrations applied, and the restore audited.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { keyFingerprint } from "../secrets.ts";
import { appliedMigrations, countRows, dropSchemaObjects, listSequences, listTables, MIGRATIONS_TABLE, quoteIdent } from "./catalog.ts";
import { BackupFileError, lines, openBody, parseMarker, readHeader, verifyBody, verifyChecksum, type BackupHeader } from "./format.ts";

const BATCH_ROWS = 500;
const TRANSACTION_TIMEOUT_MS = 60 * 60_000;

export class RestoreRefused extends Error {
  override name = "RestoreRefused";
}

export interface RestoreOptions {
  prisma: PrismaClient;
  file: string;
  /** The key the backup was sealed with (the portal's, or a retired one given with --key-file). */
  secretKey: Buffer;
  /** The migrations this code has, in order. */
  codeMigrations: string[];
  /** Applies the given migrations (by name, in order) that are not applied yet. */
  migrate(names: string[]): Promise<void>;
  /** Replace a database that holds data. */
  force: boolean;
}

export interface RestoreReport {
  header: BackupHeader;
  rows: number;
  /** Migrations applied after the rows were loaded (the code is newer than the backup). */
  migratedAfter: string[];
  /** Rows the target held before (replaced with --force). */
  replacedRows: number;
}

export async function restorePortalBackup(options: RestoreOptions): Promise<RestoreReport> {
  const { prisma, file } = options;
  const opened = await readHeader(file);
  const { header } = opened;
  const unknown = header.migrations.filter((name) => !options.codeMigrations.includes(name));
  if (unknown.length > 0) {
    throw new RestoreRefused(
      `${file} was made by a newer Tenantry (its migrations include ${unknown.join(", ")}, which this code does not have). ` +
        `Upgrade Tenantry to that version or later, then restore.`,
    );
  }
  if (header.migrations.some((name, i) => options.codeMigrations[i] !== name)) {
    throw new RestoreRefused(`${file} has a migration history that differs from this code's (${header.migrations.join(", ")}). Restore it with the Tenantry version that wrote it.`);
  }
  await verifyChecksum(opened);
  const fingerprint = keyFingerprint(options.secretKey);
  if (fingerprint !== header.keyFingerprint) {
    throw new RestoreRefused(
      `${file} was sealed with the secrets key ${header.keyFingerprint}; the key given is ${fingerprint}. ` +
        `Give that key with --key-file (a rotation keeps each retired key beside the key file, as retired-keys/${header.keyFingerprint}.key). Nothing was changed.`,
    );
  }
  await verifyBody(opened, options.secretKey);

  const before = await listTables(prisma);
  let replacedRows = 0;
  for (const table of before) if (table.name !== MIGRATIONS_TABLE) replacedRows += await countRows(prisma, table.name);
  if (replacedRows > 0 && !options.force) {
    throw new RestoreRefused(
      `The target database holds data (${replacedRows} ${replacedRows === 1 ? "row" : "rows"}). Restore into an empty database, or add --force to replace everything in it. Nothing was changed.`,
    );
  }
  const targetMigrations = await appliedMigrations(prisma);
  const sameLevel = targetMigrations.length === header.migrations.length && targetMigrations.every((name, i) => header.migrations[i] === name);
  const behind = targetMigrations.every((name, i) => header.migrations[i] === name);
  if (!sameLevel) {
    // Another level: a database cannot be migrated backwards, so what it has is dropped (it is
    // empty, or --force said to replace it), then it is brought to the backup's migrations.
    if (!behind || replacedRows > 0) await prisma.$transaction(async (tx) => dropSchemaObjects(tx), { timeout: TRANSACTION_TIMEOUT_MS });
    await options.migrate(header.migrations);
  }
  const rows = await loadRows(options, opened);
  const later = options.codeMigrations.slice(header.migrations.length);
  await options.migrate(options.codeMigrations);
  await writeAudit(prisma, {
    actorType: "system",
    actorId: "operator",
    action: "portal.restored",
    outcome: "succeeded",
    details: {
      backupCreatedAt: header.createdAt,
      rows,
      replacedRows,
      keyFingerprint: header.keyFingerprint,
      migratedAfter: later.length,
    },
  });
  return { header, rows, migratedAfter: later, replacedRows };
}

// One transaction: the tables emptied (the audit log's append-only triggers set aside for that
// moment only), the backup's rows inserted table by table, parents first, then the sequences.
async function loadRows(options: RestoreOptions, opened: Awaited<ReturnType<typeof readHeader>>): Promise<number> {
  return options.prisma.$transaction(
    async (tx) => {
      const tables = await listTables(tx);
      const names = new Set(tables.map((t) => t.name));
      const withTriggers = await tx.$queryRawUnsafe<{ name: string }[]>(
        `SELECT DISTINCT c.relname AS name FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND NOT g.tgisinternal`,
      );
      for (const t of withTriggers) await tx.$executeRawUnsafe(`ALTER TABLE ${quoteIdent(t.name)} DISABLE TRIGGER USER`);
      await tx.$executeRawUnsafe(`TRUNCATE ${tables.map((t) => quoteIdent(t.name)).join(", ")} CASCADE`);
      for (const t of withTriggers) await tx.$executeRawUnsafe(`ALTER TABLE ${quoteIdent(t.name)} ENABLE TRIGGER USER`);

      let table: string | null = null;
      let batch: string[] = [];
      let rows = 0;
      const flush = async () => {
        if (!table || batch.length === 0) return;
        rows += await tx.$executeRawUnsafe(
          `INSERT INTO ${quoteIdent(table)} SELECT * FROM json_populate_recordset(NULL::${quoteIdent(table)}, $1::json)`,
          `[${batch.join(",")}]`,
        );
        batch = [];
      };
      for await (const line of lines(await openBody(opened, options.secretKey))) {
        const marker = parseMarker(line);
        if (marker) {
          await flush();
          if (marker.end) break;
          if (!marker.table || !names.has(marker.table)) {
            throw new BackupFileError(`${opened.file} holds a table ${marker.table ?? "?"} the database does not have at the backup's migrations. Nothing was changed.`);
          }
          table = marker.table;
          continue;
        }
        batch.push(line);
        if (batch.length >= BATCH_ROWS) await flush();
      }
      await flush();
      for (const seq of await listSequences(tx)) {
        await tx.$executeRawUnsafe(
          `SELECT setval('${seq.sequence.replaceAll("'", "''")}', v, true) FROM (SELECT GREATEST($1::bigint, (SELECT COALESCE(max(${quoteIdent(seq.column)}), 0) FROM ${quoteIdent(seq.table)})) AS v) s WHERE v > 0`,
          opened.header.sequences[seq.sequence] ?? 0,
        );
      }
      return rows;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 60_000 },
  );
}
