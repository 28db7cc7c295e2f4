// The admin command-line tools as an operator runs them: `npm run admin:create` on a real terminal
// (a pseudo-terminal from util-linux `script`) does not echo the typed password, and
// `npm run admin:unlock -- EMAIL` lifts a sign-in throttle and audits it.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attemptLogin } from "../../app/models/admin-auth.server.ts";
import type { Database } from "../../prisma/database.ts";
import { addAdmins, createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { repoRoot } from "../support/portal.ts";

const run = promisify(execFile);
let database: SharedDatabase;
let db: Database;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createSharedDatabase();
  db = database.db;
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-cli-"));
  env = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", DATABASE_URL: database.url, DATA_DIR: dataDir };
});
afterAll(async () => {
  await database?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm run admin:create", () => {
  it("does not echo the password typed on a terminal", async () => {
    const password = "typed on the terminal 42";
    // `script` gives the command a pseudo-terminal; what it shows is what a person would see.
    const child = spawn("script", ["-qfec", `${process.execPath} --import tsx app/admin-cli.ts tty@vendor.test viewer`, "/dev/null"], {
      cwd: repoRoot,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    // Type only once the prompt is there, as a person would.
    for (let i = 0; i < 300 && !screen.includes("Password"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(screen).toContain("Password");
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.write(`${password}\r`);
    const code = await exited;
    expect(screen).toContain("Admin tty@vendor.test (viewer) created.");
    expect(code).toBe(0);
    expect(screen).not.toContain(password);
    expect(await db.prisma.adminUser.count({ where: { email: "tty@vendor.test" } })).toBe(1);
  });
});

describe("npm run admin:unlock", () => {
  it("lifts the throttle on an email at every address, and audits it", async () => {
    const admin = { email: "locked@vendor.test", password: "the right long password" };
    await addAdmins(db, [{ ...admin, role: "operator" }]);
    const now = new Date();
    for (let i = 0; i < 6; i++) await attemptLogin(db.prisma, admin.email, `typo ${i}`, "192.0.2.7", now);
    expect((await attemptLogin(db.prisma, admin.email, admin.password, "192.0.2.7", now)).kind).toBe("refused");

    const { stdout } = await run(process.execPath, ["--import", "tsx", "app/admin-unlock-cli.ts", "Locked@vendor.test"], { cwd: repoRoot, env });
    expect(stdout).toContain("Sign-in for locked@vendor.test unlocked (from 192.0.2.7).");
    expect((await attemptLogin(db.prisma, admin.email, admin.password, "192.0.2.7", new Date())).kind).toBe("ok");
    const entry = await db.prisma.auditLog.findFirstOrThrow({ where: { action: "admin.unlocked" } });
    expect(entry.details).toMatchObject({ email: "locked@vendor.test", via: "command line" });
  });
});
