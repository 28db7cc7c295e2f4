// Applies the migrations committed under prisma/migrations, in Prisma's folder layout, and records
// them in `_prisma_migrations` exactly as Prisma does (same table, same checksum: the SHA-256 of
// migration.sql), so `prisma migrate status` agrees wherever Prisma's schema engine is available.
// We need our own migrator because that engine cannot be downloaded on our machines, and because
// the embedded PGlite database has no server for Prisma's engine to talk to.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The few SQL operations the migrator needs; implemented for node-postgres and for PGlite. */
export interface MigrationSession {
  /** Runs a script that may hold several statements, without parameters. */
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export const defaultMigrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Prisma's own lock id, so that our migrator and `prisma migrate deploy` never run at once.
const PRISMA_ADVISORY_LOCK_ID = 72707369;

// The table as Prisma's schema engine creates it.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export async function readMigrations(dir = defaultMigrationsDir): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyMigrations(
  session: MigrationSession,
  migrations: MigrationFile[],
): Promise<MigrationReport> {
  await session.exec(CREATE_MIGRATIONS_TABLE);
  await session.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK_ID]);
  try {
    const rows = await session.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const finished = new Map<string, AppliedRow>();
    for (const row of rows) {
      if (row.finished_at && !row.rolled_back_at) finished.set(row.migration_name, row);
      if (!row.finished_at && !row.rolled_back_at) {
        throw new MigrationError(
          `Migration ${row.migration_name} started earlier and never finished. Inspect the database, ` +
            `then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE ` +
            `migration_name = '${row.migration_name}') before starting again.`,
        );
      }
    }
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const done = finished.get(migration.name);
      if (done) {
        if (done.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was changed after it was applied (checksum differs). ` +
              `Restore its migration.sql and put the change in a new migration folder.`,
          );
        }
        report.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(session, migration);
      report.applied.push(migration.name);
    }
    return report;
  } finally {
    await session.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK_ID]);
  }
}

// Each migration runs in its own transaction together with its bookkeeping row, so a failure
// leaves nothing half-applied; the failed attempt is then recorded as rolled back, with its logs,
// the way Prisma records a migration resolved with `--rolled-back`.
async function applyOne(session: MigrationSession, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await session.exec("BEGIN");
    await session.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    await session.exec(migration.sql);
    await session.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await session.exec("COMMIT");
  } catch (error) {
    await session.exec("ROLLBACK").catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    await session.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, rolled_back_at, started_at)
       VALUES ($1, $2, $3, $4, now(), now())`,
      [id, migration.checksum, migration.name, message],
    );
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${message}`, {
      cause: error,
    });
  }
}
