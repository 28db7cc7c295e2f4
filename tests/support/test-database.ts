// A fresh, migrated database per test file: a new database on the PostgreSQL server named by
// TEST_POSTGRES_URL, or a new embedded PGlite folder. The kind comes from TEST_DB_KIND, set by the
// vitest project, so the same tests run against both.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database, type DatabaseKind } from "../../prisma/database.ts";

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  /** Runs raw SQL as the owner, e.g. to install a failure trigger. */
  sql(statement: string): Promise<void>;
  /** postgres:// URL of this database (PostgreSQL kind only). */
  url?: string;
  dispose(): Promise<void>;
}

export function testDatabaseKind(): DatabaseKind {
  const kind = process.env.TEST_DB_KIND ?? "embedded";
  if (kind !== "postgres" && kind !== "embedded") throw new Error(`TEST_DB_KIND must be postgres or embedded, not ${kind}`);
  return kind;
}

export function adminPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      "TEST_POSTGRES_URL is not set: run the tests with `npm test`, which installs and starts PostgreSQL, " +
        "or set it to a postgres:// URL of a role allowed to create databases.",
    );
  }
  return url;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = adminPostgresUrl();
  const name = `tenantry_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // FORCE ends the sessions still in it; an autovacuum worker there can only be ended by a
        // member of pg_signal_backend (scripts/ensure-postgres.sh grants it): with another role, wait
        // for the worker to finish and try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== "42501" || attempt >= 20) throw error;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      } finally {
        await client.end();
      }
    },
  };
}

export async function createTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  if (kind === "postgres") {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: created.url, embeddedDir: "unused", poolSize: 20 });
    await db.migrate();
    return {
      db,
      kind,
      url: created.url,
      async sql(statement) {
        await db.prisma.$executeRawUnsafe(statement);
      },
      async dispose() {
        await db.close();
        await created.drop();
      },
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "tenantry-test-"));
  const db = await openDatabase({ embeddedDir: path.join(dir, "pglite") });
  await db.migrate();
  return {
    db,
    kind,
    async sql(statement) {
      await db.prisma.$executeRawUnsafe(statement);
    },
    async dispose() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
