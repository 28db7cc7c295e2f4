// `npm run doctor` run as the operator runs it (a process, its output and exit code), against a
// healthy setup (a migrated PostgreSQL database, the real Docker engine with the local tenant
// images, an SMTP server that takes the login, a key that decrypts the stored sample): exit 0; then
// with one thing broken at a time (a stopped engine, a wrong SMTP password, a missing image, an
// unmigrated database, another key, ports of the range taken): exactly that problem reported, with
// its fix naming the variable or the command, and exit 1. Through Portainer (the test double on
// the same engine): the key, the environment and the images checked the same way. The embedded
// database held by a running portal is skipped with a line saying so. With CADDY_ADMIN_URL: Caddy's
// admin API answering (a real `caddy run`) is ok, a Caddy that does not answer is a problem whose fix
// names CADDY_ADMIN_URL. No password nor key is printed.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueEmail } from "../../orchestrator/mail/outbox.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { portainerEnv, startDouble, type PortainerDouble } from "../support/portainer-lab.ts";
import { caddyOnFreePorts } from "../support/caddy-process.ts";
import { freePort, repoRoot, startPortal } from "../support/portal.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { docker, freePortRange, LOCAL_IMAGES } from "../support/tenant-engine.ts";
import { createPostgresDatabase } from "../support/test-database.ts";

const SMTP_USER = "tenantry";
const SMTP_PASSWORD = "right-Secret-1";
const WRONG_PASSWORD = "wrong-Secret-2";
const KEY = randomBytes(32).toString("hex");

let shared: SharedDatabase;
let peer: SmtpPeer;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  shared = await createSharedDatabase();
  // A sealed email in the outbox: the sample the doctor decrypts with the key.
  await enqueueEmail(shared.db.prisma, new SecretBox(Buffer.from(KEY, "hex")), {
    idempotencyKey: `credentials:doctor-${randomBytes(4).toString("hex")}`,
    to: "camille@example.com",
    locale: "en",
    message: {
      purpose: "credentials",
      firstName: "Camille",
      company: "Acme",
      plan: "trial",
      trialEndsAt: new Date("2026-12-21T12:00:00Z"),
      appUrl: "http://localhost:20001/",
      username: "acme",
      temporaryPassword: "Pw-doctor-sample-x9",
    },
  });
  peer = smtpPeer(await freePort(), { auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
  await peer.start();
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-doctor-"));
  const range = await freePortRange();
  env = {
    DATABASE_URL: shared.url,
    DATA_DIR: dataDir,
    SECRETS_KEY: KEY,
    TENANT_PORT_RANGE: `${range.first}-${range.last}`,
    SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${peer.port}`,
    ...LOCAL_IMAGES,
  };
});

afterAll(async () => {
  await peer?.stop();
  await shared?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Runs `npm run doctor` with the given environment; its whole output and exit code. */
function doctor(vars: Record<string, string>): Promise<{ code: number | null; output: string; problems: string[] }> {
  const child = spawn("npm", ["run", "--silent", "doctor"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...vars },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) =>
    child.once("close", (code) => resolve({ code, output, problems: output.split("\n").filter((line) => line.startsWith("PROBLEM")) })),
  );
}

/** The fix printed under the PROBLEM line that starts with `start`. */
function fixOf(output: string, start: string): string {
  const lines = output.split("\n");
  const at = lines.findIndex((line) => line.startsWith(start));
  expect(at, output).toBeGreaterThanOrEqual(0);
  const fix = lines.slice(at + 1).find((line) => line.trim().startsWith("fix: "));
  return fix?.trim() ?? "";
}

function expectNoSecret(output: string) {
  for (const secret of [SMTP_PASSWORD, WRONG_PASSWORD, KEY, "Pw-doctor-sample-x9"]) expect(output).not.toContain(secret);
}

describe("npm run doctor", () => {
  it("passes every check of a healthy setup and exits 0", async () => {
    const { code, output, problems } = await doctor(env);
    expect(problems, output).toEqual([]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ok +configuration: /m);
    expect(output).toMatch(/^ok +database: PostgreSQL at postgres:\/\/tenantry_test:\*\*\*@/m);
    expect(output).toMatch(/^ok +migrations: all \d+ migrations applied/m);
    expect(output).toMatch(/^ok +engine: docker at \/var\/run\/docker.sock answers/m);
    expect(output).toMatch(/^ok +image tenantry\/demo-app:local: present/m);
    expect(output).toMatch(/^ok +image tenantry\/postgres:15-local: present/m);
    expect(output).toMatch(new RegExp(`^ok +port range: ${env.TENANT_PORT_RANGE} on 127.0.0.1: no other container publishes in it`, "m"));
    expect(output).toMatch(new RegExp(`^ok +smtp: SMTP 127.0.0.1:${peer.port}: connected and logged in`, "m"));
    expect(output).toMatch(/^ok +secrets key: SECRETS_KEY decrypts a sample \(sealed email /m);
    expect(output).toMatch(/^ok +caddy: CADDY_ADMIN_URL is not set/m);
    expect(output).toContain("No problem found.");
    expect(peer.received).toHaveLength(0);
    expectNoSecret(output);
  });

  it("reports a stopped engine with DOCKER_SOCKET as the fix, and exits 1", async () => {
    const { code, output, problems } = await doctor({ ...env, DOCKER_SOCKET: "/nonexistent/docker.sock" });
    expect(code, output).toBe(1);
    expect(problems, output).toHaveLength(1);
    expect(problems[0]).toMatch(/^PROBLEM +engine: docker at \/nonexistent\/docker.sock: The Docker engine did not answer/);
    expect(fixOf(output, "PROBLEM  engine")).toMatch(/^fix: Start the Docker engine, or set DOCKER_SOCKET to its socket/);
    expect(output).toContain("1 problem(s) found");
  });

  it("reports a wrong SMTP password with SMTP_URL as the fix, without printing either password, and exits 1", async () => {
    const { code, output, problems } = await doctor({ ...env, SMTP_URL: `smtp://${SMTP_USER}:${WRONG_PASSWORD}@127.0.0.1:${peer.port}` });
    expect(code, output).toBe(1);
    expect(problems, output).toHaveLength(1);
    expect(problems[0]).toContain(`smtp: SMTP 127.0.0.1:${peer.port}: the mail server 127.0.0.1:${peer.port} refused the user name or password`);
    expect(fixOf(output, "PROBLEM  smtp")).toMatch(/^fix: Fix the user name and password in SMTP_URL/);
    expectNoSecret(output);
  });

  it("reports a missing tenant image with TENANT_APP_IMAGE as the fix, and exits 1", async () => {
    const { code, output, problems } = await doctor({ ...env, TENANT_APP_IMAGE: "tenantry/missing:never" });
    expect(code, output).toBe(1);
    expect(problems, output).toEqual([
      "PROBLEM  image tenantry/missing:never: template demo needs tenantry/missing:never (its APP_IMAGE), and the engine does not have it",
    ]);
    expect(fixOf(output, "PROBLEM  image tenantry/missing:never")).toMatch(/docker pull tenantry\/missing:never.*set TENANT_APP_IMAGE to an image the engine has/);
    expect(output).toMatch(/^ok +image tenantry\/postgres:15-local: present/m);
  });

  it("reports an unmigrated database with `npm run db:migrate` as the fix, and exits 1", async () => {
    const empty = await createPostgresDatabase();
    try {
      const { code, output, problems } = await doctor({ ...env, DATABASE_URL: empty.url });
      expect(code, output).toBe(1);
      expect(problems, output).toHaveLength(1);
      expect(problems[0]).toMatch(/^PROBLEM +migrations: (\d+) of \1 migrations not applied: /);
      expect(fixOf(output, "PROBLEM  migrations")).toMatch(/^fix: Run `npm run db:migrate`/);
      // The doctor only reads: the database is still empty afterwards.
      const again = await doctor({ ...env, DATABASE_URL: empty.url });
      expect(again.problems).toEqual(problems);
      // The key's check reads no table of a database that is not migrated.
      expect(output).toMatch(/^ok +secrets key: SECRETS_KEY is readable; no sample decrypted: the database's migrations are not all applied/m);
    } finally {
      await empty.drop();
    }
  });

  it("reports a key that does not decrypt the stored sample, and exits 1", async () => {
    const other = randomBytes(32).toString("hex");
    const { code, output, problems } = await doctor({ ...env, SECRETS_KEY: other });
    expect(code, output).toBe(1);
    expect(problems, output).toHaveLength(1);
    expect(problems[0]).toMatch(/^PROBLEM +secrets key: SECRETS_KEY does not decrypt a sample \(sealed email /);
    expect(fixOf(output, "PROBLEM  secrets key")).toMatch(/SECRETS_KEY/);
    expect(output).not.toContain(other);
    expectNoSecret(output);
  });

  it("reports ports of the range held by another container or another program, and exits 1", async () => {
    const first = Number(env.TENANT_PORT_RANGE!.split("-")[0]);
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(first, "127.0.0.1", resolve));
    // Created, never started: it takes its port back when started, so the port is not free.
    const name = `tenantry-doctor-${randomBytes(3).toString("hex")}`;
    const container = await docker.createContainer({
      name,
      Image: LOCAL_IMAGES.TENANT_APP_IMAGE,
      HostConfig: { PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(first + 1) }] } },
    });
    try {
      const { code, output, problems } = await doctor(env);
      expect(code, output).toBe(1);
      expect(problems, output).toEqual([
        `PROBLEM  port range: ${env.TENANT_PORT_RANGE} on 127.0.0.1: port ${first + 1} is published by container ${name}; ` +
          `port ${first} is in use on 127.0.0.1 by a program outside the engine`,
      ]);
      expect(fixOf(output, "PROBLEM  port range")).toMatch(/^fix: Set TENANT_PORT_RANGE to a range nobody else uses/);
    } finally {
      await container.remove({ force: true });
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("skips the database checks, saying why, while a running portal holds the embedded database", async () => {
    const embeddedDir = await mkdtemp(path.join(tmpdir(), "tenantry-doctor-embedded-"));
    const portal = await startPortal({ DATA_DIR: embeddedDir });
    try {
      const { DATABASE_URL: _unused, SECRETS_KEY: _key, ...withoutDatabase } = env;
      const { code, output, problems } = await doctor({ ...withoutDatabase, DATA_DIR: embeddedDir });
      expect(problems, output).toEqual([]);
      expect(code, output).toBe(0);
      expect(output).toMatch(new RegExp(`^ok +database: skipped: the embedded database is held by a running portal \\(pid ${portal.pid}\\)`, "m"));
      expect(output).not.toMatch(/migrations:/);
      expect(output).toMatch(/^ok +secrets key: the key file .*secrets\.key is readable; no sample decrypted: the embedded database is held by a running portal/m);
    } finally {
      await portal.stop();
      await rm(embeddedDir, { recursive: true, force: true });
    }
  });
});

describe("npm run doctor with Caddy's tenant routes (CADDY_ADMIN_URL)", () => {
  it("says ok when Caddy's admin API answers, and names CADDY_ADMIN_URL when it does not (exit 1)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-doctor-caddy-"));
    const caddy = await caddyOnFreePorts(dir);
    try {
      const up = await doctor({ ...env, CADDY_ADMIN_URL: caddy.adminUrl, TENANT_HOST_PATTERN: "{slug}.doctor.test" });
      expect(up.problems, up.output).toEqual([]);
      expect(up.code, up.output).toBe(0);
      expect(up.output).toMatch(new RegExp(`^ok +caddy: Caddy's admin API at ${caddy.adminUrl} answers; no tenants' server \\(@id tenantry-tenants\\) yet`, "m"));

      await caddy.stop();
      const down = await doctor({ ...env, CADDY_ADMIN_URL: caddy.adminUrl, TENANT_HOST_PATTERN: "{slug}.doctor.test" });
      expect(down.code, down.output).toBe(1);
      expect(down.problems, down.output).toEqual([`PROBLEM  caddy: Caddy's admin API at ${caddy.adminUrl} does not answer (is Caddy running?)`]);
      expect(fixOf(down.output, "PROBLEM  caddy")).toMatch(/^fix: Start Caddy .* or set CADDY_ADMIN_URL to the "admin.listen" address/);
    } finally {
      await caddy.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run doctor through Portainer", () => {
  let double: PortainerDouble;
  beforeAll(async () => {
    double = await startDouble();
  });
  afterAll(async () => {
    await double?.stop();
  });

  it("checks Portainer, its API key, the environment and the images, and exits 0", async () => {
    const { code, output, problems } = await doctor({ ...env, ...portainerEnv(double) });
    expect(problems, output).toEqual([]);
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`^ok +portainer: portainer at ${double.url.replace(/\/$/, "")}/? \\(environment 1\\) answers; the API key and the environment are accepted`, "m"));
    expect(output).toMatch(/^ok +image tenantry\/demo-app:local: present/m);
    expect(output).not.toContain(double.admin.apiKey!);
  });

  it("reports a refused API key and an unknown environment with their variables, and exits 1", async () => {
    const refused = await doctor({ ...env, ...portainerEnv(double), PORTAINER_API_KEY: "ptr_not-the-key" });
    expect(refused.code, refused.output).toBe(1);
    expect(refused.problems, refused.output).toHaveLength(1);
    expect(refused.problems[0]).toMatch(/^PROBLEM +portainer: .*HTTP 401/);
    expect(fixOf(refused.output, "PROBLEM  portainer")).toMatch(/PORTAINER_API_KEY/);
    expect(refused.output).not.toContain("ptr_not-the-key");

    const unknown = await doctor({ ...env, ...portainerEnv(double), PORTAINER_ENDPOINT_ID: "77" });
    expect(unknown.code, unknown.output).toBe(1);
    expect(unknown.problems, unknown.output).toHaveLength(1);
    expect(fixOf(unknown.output, "PROBLEM  portainer")).toMatch(/PORTAINER_ENDPOINT_ID or PORTAINER_ENDPOINT_NAME/);
  });

  it("reports an image missing on Portainer's engine, and exits 1", async () => {
    const { code, output, problems } = await doctor({ ...env, ...portainerEnv(double), TENANT_APP_IMAGE: "tenantry/missing:never" });
    expect(code, output).toBe(1);
    expect(problems, output).toEqual([
      "PROBLEM  image tenantry/missing:never: template demo needs tenantry/missing:never (its APP_IMAGE), and the engine does not have it",
    ]);
  });
});
