// `npm run db:backup` beside a running portal that holds the embedded database: the command cannot
// open it, so the portal writes the backup (control channel), into its PORTAL_BACKUP_DIR, mode
// 0600; `npm run db:restore` meanwhile is refused, saying to stop the portal; the backup then
// restores into another data folder.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startPortal, type Portal } from "../support/portal.ts";

let portal: Portal | undefined;
let scratch: string;
const key = randomBytes(32).toString("hex");

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tenantry-portal-backup-e2e-"));
  portal = await startPortal({ DATA_DIR: path.join(scratch, "data"), SCHEDULER: "false", DOCKER_SOCKET: "/nonexistent/docker.sock", SECRETS_KEY: key });
});
afterAll(async () => {
  await portal?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  promisify(execFile)("npm", ["run", "--silent", ...args], { cwd: repoRoot, env, timeout: 120_000 }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe("portal database backup beside a running portal (embedded database)", () => {
  it("is written by the portal through the control channel; a restore waits for the portal to stop", async () => {
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "production",
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? "/tmp",
      DATA_DIR: path.join(scratch, "data"),
      PORT: new URL(portal!.url).port,
      SECRETS_KEY: key,
    };
    const backedUp = await run(["db:backup"], env);
    expect(backedUp.stdout).toContain(`Backup written (through the running portal at http://127.0.0.1:${new URL(portal!.url).port})`);
    const dir = path.join(scratch, "data", "portal-backups");
    const [file] = await readdir(dir);
    expect(file).toMatch(/\.tenantry-backup$/);
    expect((await stat(path.join(dir, file!))).mode & 0o777).toBe(0o600);

    const refused = await run(["db:restore", "--", path.join(dir, file!)], env);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain("stop the portal");

    await portal!.stop();
    portal = undefined;
    const restored = await run(["db:restore", "--", path.join(dir, file!)], { ...env, DATA_DIR: path.join(scratch, "restored") });
    expect(restored.stdout).toMatch(/Restored the backup of \S+: \d+ rows in \d+ tables\./);
  }, 240_000);
});
