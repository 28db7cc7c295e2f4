// The portal's control channel (app/control/): it answers only with the token the portal wrote in
// its data folder, and only on loopback; anything else gets the same 404 as a page that does not
// exist. The token changes at each start.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, startPortal, type Portal } from "../support/portal.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

let portal: Portal;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-control-"));
  portal = await startPortal({ DATA_DIR: dataDir, SCHEDULER: "false", DOCKER_SOCKET: "/nonexistent/docker.sock" });
});
afterAll(async () => {
  await portal?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const token = async () => (await readFile(path.join(dataDir, "control.token"), "utf8")).trim();

describe("control channel", () => {
  it("lists the periodic tasks for the holder of the token", async () => {
    const response = await fetch(`${portal.url}/_control/tasks`, { headers: { Authorization: `Bearer ${await token()}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { tasks } = (await response.json()) as { tasks: { name: string; period: string; lastRun: unknown }[] };
    expect(tasks.map((t) => t.name).sort().join(", ")).toEqual([
      "backup-retention",
      "backup-verification",
      "mail-backlog",
      "portal-backup",
      "reconcile",
      "retention",
      "tenant-backups",
      "trial-lifecycle",
      "usage",
      "weekly-report",
    ].join(", "));
  });

  it("is a 404 without the token, with a wrong one, or for a bad time", async () => {
    expect((await fetch(`${portal.url}/_control/tasks`)).status).toBe(404);
    const wrong = "0".repeat((await token()).length);
    expect((await fetch(`${portal.url}/_control/tasks`, { headers: { Authorization: `Bearer ${wrong}` } })).status).toBe(404);
    expect((await fetch(`${portal.url}/_control/tasks/run-due`, { method: "POST" })).status).toBe(404);
    const bad = await fetch(`${portal.url}/_control/tasks/run-due?at=someday`, { method: "POST", headers: { Authorization: `Bearer ${await token()}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("is not a date");
  });

  it("carries the operator's commands to the portal that holds the embedded database", async () => {
    const env: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", DATA_DIR: dataDir, PORT: new URL(portal.url).port };
    const notify = await promisify(execFile)("npm", ["run", "--silent", "notify:test"], { cwd: repoRoot, env, timeout: 60_000 });
    expect(notify.stdout).toContain("[mock]");
    expect(notify.stdout).toContain(`(sent by the running portal at http://127.0.0.1:${new URL(portal.url).port}`);
    const list = await promisify(execFile)("npm", ["run", "--silent", "tasks", "--", "list"], { cwd: repoRoot, env, timeout: 60_000 });
    expect(list.stdout).toContain("Periodic tasks (through the running portal");
    expect(list.stdout).toMatch(/weekly-report\s+weekly on Monday at 07:00 UTC\s+last: never ran/);
    // With the portal gone, the command says where it looked and what to do.
    const wrongPort = await promisify(execFile)("npm", ["run", "--silent", "tasks", "--", "list"], { cwd: repoRoot, env: { ...env, PORT: "1" }, timeout: 60_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(wrongPort).toMatchObject({ code: 1 });
    expect((wrongPort as { stderr: string }).stderr).toContain("The portal does not answer at http://127.0.0.1:1/_control");
  });

  it("keeps the token file readable by its owner only", async () => {
    const { stat } = await import("node:fs/promises");
    expect((await stat(path.join(dataDir, "control.token"))).mode & 0o777).toBe(0o600);
  });
});
