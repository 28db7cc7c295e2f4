// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
// under DATA_DIR (./data) when DATABASE_URL is not set. The portal also does this at every start.
import path from "node:path";
import { openDatabase } from "./database.ts";

const databaseUrl = process.env.DATABASE_URL || undefined;
const embeddedDir = path.join(path.resolve(process.env.DATA_DIR || "./data"), "pglite");
const database = await openDatabase({ databaseUrl, embeddedDir });
try {
  const report = await database.migrate();
  for (const name of report.applied) console.log(`applied   ${name}`);
  console.log(
    `${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already applied ` +
      `(${databaseUrl ? "PostgreSQL server" : `embedded database in ${embeddedDir}`}).`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await database.close();
}
