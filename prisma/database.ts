// Opens Tenantry's database: a PostgreSQL server when a URL is given, otherwise an embedded
// PostgreSQL (PGlite) stored in a folder, so the quick start needs no database server.
// Both go through Prisma 7 driver adapters, so the rest of the code sees one PrismaClient.
import { mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client.ts";
import {
  applyMigrations,
  readMigrations,
  type MigrationFile,
  type MigrationReport,
  type MigrationSession,
} from "./migrate.ts";

export type DatabaseKind = "postgres" | "embedded";

export interface DatabaseOptions {
  /** postgres:// URL of a PostgreSQL server; when absent, the embedded database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database (created if missing). */
  embeddedDir: string;
  /** Size of the connection pool to a PostgreSQL server. */
  poolSize?: number;
}

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Applies the committed migrations (or the given ones) that are not applied yet. */
  migrate(migrations?: MigrationFile[]): Promise<MigrationReport>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openEmbedded(options.embeddedDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  // pg prints one DeprecationWarning per process ("Calling client.query() when the client is already
  // executing a query"): @prisma/adapter-pg 7.10 sends a multi-relation read inside an interactive
  // transaction as parallel queries on the transaction's one client (Prisma's own code, not ours:
  // prisma/orm pull request 29979). pg 8 queues them, so nothing is wrong; pg 9 will refuse them,
  // which is why package.json keeps pg at ^8 until the adapter serialises them.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: "postgres",
    prisma,
    async migrate(migrations) {
      // Advisory locks belong to a session: the migrator keeps one connection throughout.
      const client = await pool.connect();
      try {
        return await applyMigrations(pgSession(client), migrations ?? (await readMigrations()));
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function pgSession(client: pg.PoolClient): MigrationSession {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
  };
}

async function openEmbedded(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const releaseLock = await lockEmbeddedDatabase(dir);
  const pglite = await PGlite.create(dir).catch(async (error: unknown) => {
    await releaseLock();
    throw error;
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: "embedded",
    prisma,
    async migrate(migrations) {
      const session: MigrationSession = {
        async exec(sql) {
          await pglite.exec(sql);
        },
        async query<Row>(sql: string, params: unknown[] = []) {
          return (await pglite.query<Row>(sql, params)).rows;
        },
      };
      return applyMigrations(session, migrations ?? (await readMigrations()));
    },
    async ping() {
      await pglite.query("SELECT 1");
    },
    async close() {
      await prisma.$disconnect();
      // PGlite must be closed cleanly, or the next start has to recover its data folder.
      await pglite.close();
      await releaseLock();
    },
  };
}

export class DatabaseInUseError extends Error {
  override name = "DatabaseInUseError";
}

// PGlite is one process's database: a second process opening the same folder would corrupt it.
// A lock file holding the owner's pid keeps a second portal out; a lock left by a dead process is
// taken over.
async function lockEmbeddedDatabase(dir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, "..", `${path.basename(dir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseInUseError(
          `The embedded database in ${dir} is in use by another process (pid ${owner}). ` +
            `Stop that process, or give this one its own DATA_DIR, or set DATABASE_URL to a PostgreSQL server.`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new DatabaseInUseError(`Could not lock the embedded database in ${dir}; remove ${lockPath} if no Tenantry runs.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
