// What the portal's database holds, read from PostgreSQL's catalog (the same on a server and on
// PGlite): its tables in foreign-key order, their primary keys, their sequences, and the objects
// a forced restore drops. Every query goes through Prisma's raw queries, so both adapters run it.
import type { DatabaseWriter } from "../audit/audit-log.ts";

export const MIGRATIONS_TABLE = "_prisma_migrations";

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface TableInfo {
  name: string;
  primaryKey: string[];
}

/** The public schema's tables, parents before children (the migrator's table first). */
export async function listTables(db: DatabaseWriter): Promise<TableInfo[]> {
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const keys = await db.$queryRawUnsafe<{ table: string; column: string }[]>(
    `SELECT c.relname AS "table", a.attname AS "column"
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname = 'public'
      ORDER BY c.relname, k.ord`,
  );
  const edges = await db.$queryRawUnsafe<{ child: string; parent: string }[]>(
    `SELECT ch.relname AS child, pa.relname AS parent
       FROM pg_constraint f
       JOIN pg_class ch ON ch.oid = f.conrelid
       JOIN pg_class pa ON pa.oid = f.confrelid
       JOIN pg_namespace n ON n.oid = ch.relnamespace
      WHERE f.contype = 'f' AND n.nspname = 'public' AND ch.oid <> pa.oid`,
  );
  const primaryKey = new Map<string, string[]>();
  for (const key of keys) primaryKey.set(key.table, [...(primaryKey.get(key.table) ?? []), key.column]);
  const parents = new Map<string, Set<string>>();
  for (const edge of edges) parents.set(edge.child, (parents.get(edge.child) ?? new Set()).add(edge.parent));
  // Depth-first: a table comes after every table it refers to.
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    if (seen.has(name) || path.has(name)) return;
    path.add(name);
    for (const parent of parents.get(name) ?? []) visit(parent, path);
    path.delete(name);
    seen.add(name);
    ordered.push(name);
  };
  const names = tables.map((t) => t.name);
  if (names.includes(MIGRATIONS_TABLE)) visit(MIGRATIONS_TABLE, new Set());
  for (const name of names) visit(name, new Set());
  return ordered.map((name) => ({ name, primaryKey: primaryKey.get(name) ?? [] }));
}

export interface SequenceInfo {
  table: string;
  column: string;
  /** Qualified and quoted, as pg_get_serial_sequence names it (public."AuditLog_id_seq"). */
  sequence: string;
}

export async function listSequences(db: DatabaseWriter): Promise<SequenceInfo[]> {
  return db.$queryRawUnsafe<SequenceInfo[]>(
    `SELECT * FROM (
       SELECT c.relname AS "table", a.attname AS "column",
              pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind = 'r') s
      WHERE sequence IS NOT NULL ORDER BY "table", "column"`,
  );
}

/** The value a sequence has handed out last (0 when it never has). */
export async function sequenceValue(db: DatabaseWriter, sequence: string): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ value: string }[]>(`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS value FROM ${sequence}`);
  return Number(row?.value ?? 0);
}

export async function countRows(db: DatabaseWriter, table: string): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`);
  return row?.n ?? 0;
}

/** The migrations applied (finished, not rolled back), in order; [] when the migrator's table is absent. */
export async function appliedMigrations(db: DatabaseWriter): Promise<string[]> {
  const [exists] = await db.$queryRawUnsafe<{ present: boolean }[]>(`SELECT to_regclass('public.${MIGRATIONS_TABLE}') IS NOT NULL AS present`);
  if (!exists?.present) return [];
  const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
    `SELECT migration_name FROM ${quoteIdent(MIGRATIONS_TABLE)} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
  return rows.map((r) => r.migration_name);
}

/** Drops every table, enum and function of the public schema (a forced restore, in its transaction). */
export async function dropSchemaObjects(db: DatabaseWriter): Promise<void> {
  const notFromExtension = (catalog: string, column: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${column} AND d.deptype = 'e')`;
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND ${notFromExtension("pg_class", "c.oid")}`,
  );
  for (const table of tables) await db.$executeRawUnsafe(`DROP TABLE IF EXISTS ${quoteIdent(table.name)} CASCADE`);
  const functions = await db.$queryRawUnsafe<{ signature: string }[]>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public' AND ${notFromExtension("pg_proc", "p.oid")}`,
  );
  for (const fn of functions) await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS ${fn.signature} CASCADE`);
  const types = await db.$queryRawUnsafe<{ name: string }[]>(
    `SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typtype = 'e' AND ${notFromExtension("pg_type", "t.oid")}`,
  );
  for (const type of types) await db.$executeRawUnsafe(`DROP TYPE IF EXISTS ${quoteIdent(type.name)} CASCADE`);
}
