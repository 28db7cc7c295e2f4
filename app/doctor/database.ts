// Doctor checks of the portal's database: it answers, and every committed migration is applied
// (read from `_prisma_migrations`, compared with prisma/migrations by name and checksum: the
// doctor never migrates). The embedded database held by a running portal is skipped with a line
// saying so: only that process may open it.
import { existsSync } from "node:fs";
import { DatabaseInUseError, openDatabase, type Database } from "../../prisma/database.ts";
import { readMigrations } from "../../prisma/migrate.ts";
import type { AppConfig } from "../config.server";
import { passed, problem, redactUrl, type DoctorCheck } from "./check";

export interface DatabaseChecks {
  checks: DoctorCheck[];
  /** Open (and to be closed by the caller) when the database answered; null otherwise. */
  database: Database | null;
  /** Why the checks that need the database were not run, when they were not. */
  skipped: string | null;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished: boolean;
  rolled_back: boolean;
}

export async function checkDatabase(config: AppConfig): Promise<DatabaseChecks> {
  const where = config.databaseUrl ? `PostgreSQL at ${redactUrl(config.databaseUrl)}` : `embedded database in ${config.embeddedDatabaseDir}`;
  if (!config.databaseUrl && !existsSync(config.embeddedDatabaseDir)) {
    const detail = `no ${where} yet: the portal creates and migrates it at its first start`;
    return { checks: [passed("database", detail)], database: null, skipped: "the embedded database does not exist yet" };
  }
  let database: Database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, embeddedDir: config.embeddedDatabaseDir, poolSize: 1 });
    await database.ping().catch(async (error: unknown) => {
      await database.close().catch(() => undefined);
      throw error;
    });
  } catch (error) {
    if (error instanceof DatabaseInUseError) {
      const reason = "the embedded database is held by a running portal";
      return {
        checks: [passed("database", `skipped: ${reason} (${/pid \d+/.exec(error.message)?.[0] ?? "another process"}); stop it to check the database and the key`)],
        database: null,
        skipped: reason,
      };
    }
    return {
      checks: [
        problem(
          "database",
          `${where} does not answer: ${error instanceof Error ? error.message : String(error)}`,
          config.databaseUrl
            ? "Start the PostgreSQL server, or fix DATABASE_URL (host, port, database, user and password)."
            : `Check that DATA_DIR (${config.dataDir}) is readable and writable by this user, or set DATABASE_URL to a PostgreSQL server.`,
        ),
      ],
      database: null,
      skipped: "the database does not answer",
    };
  }
  const migrations = await checkMigrations(database).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const checks = [passed("database", `${where} answers`), migrations];
  if (migrations.ok) return { checks, database, skipped: null };
  // The tables the other checks read may not be there (yet, or in that form).
  await database.close();
  return { checks, database: null, skipped: "the database's migrations are not all applied" };
}

async function checkMigrations(database: Database): Promise<DoctorCheck> {
  const committed = await readMigrations();
  const [table] = await database.prisma.$queryRawUnsafe<{ name: string | null }[]>(`SELECT to_regclass('"_prisma_migrations"')::text AS name`);
  const rows = table?.name
    ? await database.prisma.$queryRawUnsafe<AppliedRow[]>(
        `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM "_prisma_migrations"`,
      )
    : [];
  const unfinished = rows.filter((row) => !row.finished && !row.rolled_back).map((row) => row.migration_name);
  if (unfinished.length > 0) {
    return problem(
      "migrations",
      `migration ${unfinished.join(", ")} started and never finished`,
      "Inspect the database, mark it rolled back (see the message of `npm run db:migrate`), then run `npm run db:migrate`.",
    );
  }
  const applied = new Map(rows.filter((row) => row.finished && !row.rolled_back).map((row) => [row.migration_name, row.checksum]));
  const changed = committed.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum).map((m) => m.name);
  if (changed.length > 0) {
    return problem(
      "migrations",
      `${changed.join(", ")} changed after being applied (checksum differs)`,
      "Restore those migration.sql files as they were, and put the change in a new folder of prisma/migrations.",
    );
  }
  const pending = committed.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (pending.length > 0) {
    return problem(
      "migrations",
      `${pending.length} of ${committed.length} migrations not applied: ${pending.join(", ")}`,
      "Run `npm run db:migrate` (the portal also applies them when it starts).",
    );
  }
  const known = new Set(committed.map((m) => m.name));
  const newer = [...applied.keys()].filter((name) => !known.has(name));
  if (newer.length > 0) {
    return problem(
      "migrations",
      `the database has migrations this version does not know: ${newer.join(", ")}`,
      "Run the Tenantry version that applied them (or newer) against this database, not this one.",
    );
  }
  return passed("migrations", `all ${committed.length} migrations applied`);
}
