// `npm run tenant` (issue 13) on the quick start: the embedded database is held by the running
// portal, so the command goes through its control channel and the portal's worker runs the jobs.
// backup waits and prints the backup (exact row counts); backups lists it; restore brings deleted
// rows back in place; wrong arguments print the usage; an unknown tenant is refused by name.
// Real portal, real engine.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { postSignup, repoRoot, startPortal, type Portal } from "../support/portal.ts";
import { docker, LOCAL_IMAGES } from "../support/tenant-engine.ts";
import { tenantPsql } from "../support/tenant-psql.ts";

const run = promisify(execFile);
const driver = createDockerDriver({ docker: new Docker({ socketPath: "/var/run/docker.sock" }) });

let portal: Portal;
let dataDir: string;
let env: NodeJS.ProcessEnv;
const company = `D Cli ${Math.random().toString(36).slice(2, 7)}`;
let slug = "";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-d-tenant-cli-"));
  const portalEnv = { DATA_DIR: dataDir, ...LOCAL_IMAGES, TENANT_PORT_RANGE: "48000-48099", WORKER: "true", SCHEDULER: "false" };
  portal = await startPortal(portalEnv);
  env = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", ...portalEnv, PORT: new URL(portal.url).port };
});

afterAll(async () => {
  await portal?.stop();
  if (slug) {
    const filters = { label: [`com.docker.compose.project=client-${slug}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function tenant(...args: string[]) {
  return run("npm", ["run", "--silent", "tenant", "--", ...args], { cwd: repoRoot, env, timeout: 300_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );
}

const psql = (sql: string) => tenantPsql(driver, slug, sql);

describe("npm run tenant on the quick start", () => {
  it("backup, backups and restore through the running portal", async () => {
    const id = Math.random().toString(36).slice(2, 10);
    const response = await postSignup(portal.url, {
      firstName: "Dana",
      lastName: "Cli",
      email: `d.${id}@example.com`,
      company,
      phone: "+33612345678",
      acceptTerms: "on",
      signupKey: `d-cli-${id}-0123456789`,
    });
    expect(response.status).toBe(303);
    slug = company.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    // The tenant is active when its credentials email is queued.
    const deadline = Date.now() + 240_000;
    for (;;) {
      const mailbox = await run("npm", ["run", "--silent", "mailbox"], { cwd: repoRoot, env, timeout: 60_000 });
      if (mailbox.stdout.includes(`Your instance for ${company} is ready`)) break;
      if (Date.now() > deadline) throw new Error(`the tenant did not come up\n${portal.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await psql("CREATE TABLE notes (id integer PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'd-cli one'), (2, 'd-cli two')");

    expect((await tenant("frobnicate")).stderr).toContain("Usage: npm run tenant -- backup <slug>");
    const unknown = await tenant("backup", "d-no-such-tenant");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No tenant has the slug "d-no-such-tenant"');

    const backup = await tenant("backup", slug);
    expect(backup.stderr).toBe("");
    expect(backup.stdout).toContain(`through the running portal at ${portal.url}`);
    expect(backup.stdout).toMatch(/Done \(job [0-9a-f-]+\)\./);
    expect(backup.stdout).toContain("public.notes=2 public.users=1");
    const backupId = /^ {2}([0-9a-f-]{36}) /m.exec(backup.stdout)?.[1];
    expect(backupId).toBeDefined();

    const listed = await tenant("backups", slug);
    expect(listed.stdout).toContain(`Backups of ${slug}`);
    expect(listed.stdout).toMatch(new RegExp(`${backupId} .* manual +succeeded`));

    await psql("DELETE FROM notes");
    const restored = await tenant("restore", slug, backupId!);
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toContain(`Restore of backup ${backupId} into ${slug} queued`);
    expect(restored.stdout).toMatch(/Done \(job [0-9a-f-]+\)\./);
    expect(await psql("SELECT string_agg(body, ',' ORDER BY id) FROM notes")).toBe("d-cli one,d-cli two");
    expect((await tenant("backups", slug)).stdout).toMatch(/pre-restore +succeeded/);
  });
});
