// `npm run db:backup` and `npm run db:restore` as the operator runs them, as processes, on a
// PostgreSQL server (DATABASE_URL) and on the embedded database (DATA_DIR): a backup of a database
// with customers, listed, restored into a new database that then holds the same customers; the
// same restore again refused (the target holds data) with exit code 1; a restore under the wrong
// key refused, naming the key it needs.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { keyFingerprint } from "../../orchestrator/secrets.ts";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { repoRoot } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createPostgresDatabase, testDatabaseKind } from "../support/test-database.ts";

const kind = testDatabaseKind();
const key = randomBytes(32);
const cleanups: (() => Promise<void>)[] = [];
let scratch: string;

interface Place {
  env: NodeJS.ProcessEnv;
  open(): Promise<Database>;
}

/** A database the CLI reaches through its environment (the test process keeps none of it open). */
async function place(name: string): Promise<Place> {
  const base: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", SECRETS_KEY: key.toString("hex") };
  const dataDir = path.join(scratch, name);
  if (kind === "postgres") {
    const created = await createPostgresDatabase();
    cleanups.push(() => created.drop());
    return { env: { ...base, DATA_DIR: dataDir, DATABASE_URL: created.url }, open: () => openDatabase({ databaseUrl: created.url, embeddedDir: "unused", poolSize: 2 }) };
  }
  return { env: { ...base, DATA_DIR: dataDir }, open: () => openDatabase({ embeddedDir: path.join(dataDir, "pglite") }) };
}

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)("npm", ["run", "--silent", ...args], { cwd: repoRoot, env, timeout: 120_000 }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

async function emails(p: Place): Promise<string[]> {
  const db = await p.open();
  try {
    return (await db.prisma.customer.findMany({ select: { email: true }, orderBy: { email: "asc" } })).map((c) => c.email);
  } finally {
    await db.close();
  }
}

let source: Place;
let backups: string;
const signedUp: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tenantry-backup-cli-"));
  backups = path.join(scratch, "backups");
  source = await place("source");
  const db = await source.open();
  try {
    await db.migrate();
    for (let i = 0; i < 2; i++) {
      const data = signupData();
      const outcome = await registerTrialSignup(db.prisma, data, signupContext());
      if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
      signedUp.push(data.email);
    }
  } finally {
    await db.close();
  }
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe(`npm run db:backup / db:restore (${kind})`, () => {
  it("backs up, lists, restores into a new database, and refuses a second restore into it", async () => {
    const backedUp = await run(["db:backup", "--", "--dir", backups], source.env);
    expect(backedUp.stderr).toBe("");
    expect(backedUp.stdout).toMatch(/Backup written \(through the database\): .*\.tenantry-backup\n.*MB, \d+ rows in \d+ tables, [\d.]+ s/);
    const [file] = await readdir(backups);
    const listed = await run(["db:backup", "--", "--list", "--dir", backups], source.env);
    expect(listed.stdout).toContain(`key ${keyFingerprint(key)}  ${file}`);

    const target = await place("target");
    const restored = await run(["db:restore", "--", path.join(backups, file!)], target.env);
    expect(restored.stdout).toMatch(/Restored the backup of \S+: \d+ rows in \d+ tables\./);
    expect("code" in restored ? restored.code : 0).toBe(0);
    expect(await emails(target)).toEqual([...signedUp].sort());

    const again = await run(["db:restore", "--", path.join(backups, file!)], target.env);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain("holds data");
    expect(again.stderr).toContain("--force");
  }, 240_000);

  it("refuses a backup made under another key, naming it, and restores with --key-file", async () => {
    const [file] = await readdir(backups);
    const target = await place("other-key");
    const otherKey = randomBytes(32).toString("hex");
    const refused = await run(["db:restore", "--", path.join(backups, file!)], { ...target.env, SECRETS_KEY: otherKey });
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain(`sealed with the secrets key ${keyFingerprint(key)}`);
    const keyFile = path.join(scratch, `${keyFingerprint(key)}.key`);
    await writeFile(keyFile, key.toString("hex") + "\n", { mode: 0o600 });
    const restored = await run(["db:restore", "--", path.join(backups, file!), "--key-file", keyFile], { ...target.env, SECRETS_KEY: otherKey });
    expect(restored.stdout).toContain(`The restored secrets are sealed under the key ${keyFingerprint(key)}`);
    expect(restored.stdout).toContain("npm run secrets:rotate");
    expect(await emails(target)).toEqual([...signedUp].sort());
  }, 240_000);
});
