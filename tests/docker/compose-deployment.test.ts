// Issue 15, "must show" 1: the production deployment as an operator runs it. The portal image is
// built from the Dockerfile on the local base (scripts/docker/build-images.sh --only node --only
// portal; reused when already built from these sources), docker-compose.yml is copied with a .env
// into a scratch folder and brought up with Debian's docker-compose 1.29. Then: health; a signup
// over HTTP; the tenant's stack created by the containerised worker (its containers running with
// the tenant's labels, the job in the worker's log, the credentials email at an SMTP server on the
// host); the worker scaled to 2 (both healthy, both working) and back to 1; the portal running as
// a non-root user (the image's user and the process's uid) with the compiled code and no
// TypeScript transpiler. Everything (the project, its volumes, the tenant's stack) is removed
// afterwards, whatever happened.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { postSignup, repoRoot } from "../support/portal.ts";
import { formFields } from "../support/signup-fixtures.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { docker, engineResourcesOf, LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";

const run = promisify(execFile);

// This test's own ports (47100-47199): the portal, its PostgreSQL, the SMTP server, the tenants.
const PORTAL_PORT = 47100;
const POSTGRES_PORT = 47101;
const SMTP_PORT = 47102;
const TENANT_PORT_RANGE = "47110-47199";
const PROJECT = "tenantry-compose-test";
const IMAGE = "tenantry/portal:local";
const NON_ROOT_UID = "10001";

const portalUrl = `http://127.0.0.1:${PORTAL_PORT}`;
const postgresPassword = randomBytes(18).toString("hex");
let folder = "";
let composeEnv: NodeJS.ProcessEnv = { NODE_ENV: "production" };
let smtp: SmtpPeer | undefined;
let db: Database | undefined;
let socketGid = "";
const tenantIds = new Set<string>();
let buildSeconds = 0;

async function compose(...args: string[]) {
  // A clean environment: variables of the test's own environment (PORT, HOST…) would override .env.
  return run("docker-compose", ["-p", PROJECT, ...args], { cwd: folder, env: composeEnv, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${await projectLogs()}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function projectLogs() {
  try {
    const { stdout } = await compose("logs", "--no-color", "--tail=40");
    return stdout;
  } catch (error) {
    return `(no logs: ${(error as Error).message})`;
  }
}

/** The project's containers of one service, with their state and health. */
async function containersOf(service: string) {
  const filters = { label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] };
  const listed = await docker.listContainers({ all: true, filters });
  return Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect()));
}

async function healthyCount(service: string) {
  const containers = await containersOf(service);
  return containers.filter((c) => c.State.Running && c.State.Health?.Status === "healthy").length;
}

async function logsOf(containerId: string) {
  const buffer = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true })) as unknown as Buffer;
  return buffer.toString("utf8");
}

beforeAll(async () => {
  // Builds the local Node.js base and the portal image unless they are there already.
  const started = Date.now();
  await run("bash", [path.join(repoRoot, "scripts/docker/build-images.sh"), "--only", "node", "--only", "portal"], { timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
  buildSeconds = Math.round((Date.now() - started) / 1000);

  socketGid = String((await stat("/var/run/docker.sock")).gid);
  folder = await mkdtemp(path.join(tmpdir(), "tenantry-compose-"));
  await copyFile(path.join(repoRoot, "docker-compose.yml"), path.join(folder, "docker-compose.yml"));
  const env = {
    TENANTRY_IMAGE: IMAGE,
    POSTGRES_IMAGE: LOCAL_IMAGES.TENANT_POSTGRES_IMAGE,
    POSTGRES_PASSWORD: postgresPassword,
    SECRETS_KEY: randomBytes(32).toString("hex"),
    DOCKER_GID: socketGid,
    HOST: "127.0.0.1",
    PORT: String(PORTAL_PORT),
    POSTGRES_PORT: String(POSTGRES_PORT),
    TENANT_PORT_RANGE,
    ...LOCAL_IMAGES,
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    LOG_LEVEL: "debug",
  };
  await writeFile(path.join(folder, ".env"), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
  composeEnv = { NODE_ENV: "production", PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };

  smtp = smtpPeer(SMTP_PORT);
  await smtp.start();
  // A previous run that could not clean up must not be in the way.
  await compose("down", "-v", "--remove-orphans");
  await compose("up", "-d");
  await until(async () => (await healthyCount("postgres")) === 1 && (await healthyCount("portal")) === 1 && (await healthyCount("worker")) === 1, "postgres, portal and worker healthy");
  db = await openDatabase({ databaseUrl: `postgres://tenantry:${postgresPassword}@127.0.0.1:${POSTGRES_PORT}/tenantry`, embeddedDir: "unused" });
}, 1_200_000);

afterAll(async () => {
  try {
    const known = (await db?.prisma.tenant.findMany({ select: { id: true } })) ?? [];
    for (const tenant of known) tenantIds.add(tenant.id);
  } catch {
    // the database may be gone already: the ids seen by the tests remain
  }
  await db?.close().catch(() => undefined);
  if (folder) {
    await compose("down", "-v", "--remove-orphans").catch((error: Error) => process.stderr.write(`docker-compose down failed: ${error.message}\n`));
  }
  await removeTenantsFromEngine([...tenantIds]);
  await smtp?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
  process.stdout.write(`compose deployment: image ready in ${buildSeconds} s (built or reused)\n`);
}, 300_000);

describe("the docker-compose deployment on the production image", () => {
  it("runs the portal as a non-root user, from the compiled build, without a TypeScript transpiler", async () => {
    const [portal] = await containersOf("portal");
    expect(portal).toBeDefined();
    expect(portal!.Config.User).toBe(`${NON_ROOT_UID}:${NON_ROOT_UID}`);
    expect(portal!.HostConfig.GroupAdd).toEqual([socketGid]);
    // The process itself, seen from the host: its uid, and the socket's group among its groups.
    const status = await readFile(`/proc/${portal!.State.Pid}/status`, "utf8");
    const uids = status.match(/^Uid:\s+(.*)$/m)![1]!.split(/\s+/);
    expect(new Set(uids)).toEqual(new Set([NON_ROOT_UID]));
    expect(status.match(/^Groups:\s*(.*)$/m)![1]!.split(/\s+/)).toContain(socketGid);
    expect(portal!.Config.Cmd).toEqual(["node", "dist/server.js"]);

    const exec = (command: string) => run("docker", ["exec", portal!.Id, "sh", "-c", command], { timeout: 60_000 });
    expect((await exec("id -u")).stdout.trim()).toBe(NON_ROOT_UID);
    await expect(exec("node -e \"require.resolve('tsx')\"")).rejects.toThrow();
    await expect(exec("test -e node_modules/typescript/lib/tsc.js || test -e node_modules/.bin/tsx")).rejects.toThrow();
    // An operator command through npm, compiled (TENANTRY_COMPILED=1 in the image): the
    // migrations were applied by the portal at its start.
    const migrate = await exec("npm run --silent db:migrate");
    expect(migrate.stdout).toMatch(/0 migration\(s\) applied, \d+ already applied/);
  });

  it("signs up over HTTP and the containerised worker creates the tenant's stack and emails the credentials", async () => {
    const fields = formFields();
    const response = await postSignup(portalUrl, fields);
    expect(response.status).toBe(303);
    const token = response.headers.get("location")!.split("/").pop()!;
    const tenant = await db!.prisma.tenant.findUniqueOrThrow({ where: { statusToken: token } });
    tenantIds.add(tenant.id);

    const job = await until(async () => {
      const latest = await db!.prisma.provisioningJob.findFirst({ where: { tenantId: tenant.id }, orderBy: { createdAt: "desc" } });
      return latest && ["succeeded", "failed"].includes(latest.status) ? latest : undefined;
    }, "the provisioning job to end", 240_000);
    expect(job.lastError).toBeNull();
    expect(job.status).toBe("succeeded");
    expect((await db!.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).actualState).toBe("active");

    const resources = await engineResourcesOf(tenant.id);
    expect(resources.containers.map((c) => c.name).sort()).toEqual([`${tenant.slug}-app`, `${tenant.slug}-postgres`]);
    for (const container of resources.containers) expect(container.state).toBe("running");
    const published = resources.containers.flatMap((c) => c.ports).find((p) => p.PublicPort);
    expect(published?.PublicPort).toBeGreaterThanOrEqual(47110);
    expect(published?.PublicPort).toBeLessThanOrEqual(47199);

    // The worker container ran the job; the portal (WORKER=false) did not.
    const [worker] = await containersOf("worker");
    const [portal] = await containersOf("portal");
    expect(await logsOf(worker!.Id)).toContain(job.id);
    expect(await logsOf(portal!.Id)).not.toContain("job succeeded");

    const [mail] = await smtp!.waitFor(1, 120_000);
    expect(mail!.to && "value" in mail!.to ? mail!.to.value[0]?.address : undefined).toBe(fields.email);
    expect(mail!.text).toContain(tenant.slug);
  });

  it("scales the worker to 2, both healthy and working, then back to 1", async () => {
    await compose("up", "-d", "--scale", "worker=2");
    await until(async () => (await healthyCount("worker")) === 2, "two healthy workers");
    const workers = await containersOf("worker");
    expect(workers).toHaveLength(2);
    for (const worker of workers) {
      await until(async () => (await logsOf(worker.Id)).includes("provisioning worker started"), `worker ${worker.Name} started`, 60_000);
    }
    // The portal stayed up meanwhile.
    expect((await fetch(`${portalUrl}/healthz`)).status).toBe(200);

    await compose("up", "-d", "--scale", "worker=1");
    await until(async () => (await containersOf("worker")).length === 1, "one worker left");
    await until(async () => (await healthyCount("worker")) === 1, "the remaining worker healthy");
    expect(await healthyCount("portal")).toBe(1);
  });
});
