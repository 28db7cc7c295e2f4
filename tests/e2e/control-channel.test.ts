// The portal's control channel (app/control/): it answers only with the token the portal wrote in
// its data folder, and only on loopback; anything else gets the same 404 as a page that does not
// exist. The token changes at each start.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortal, type Portal } from "../support/portal.ts";
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
    expect(tasks.map((t) => t.name).sort()).toEqual(["mail-backlog", "reconcile", "retention", "trial-lifecycle", "usage", "weekly-report"]);
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

  it("keeps the token file readable by its owner only", async () => {
    const { stat } = await import("node:fs/promises");
    expect((await stat(path.join(dataDir, "control.token"))).mode & 0o777).toBe(0o600);
  });
});
