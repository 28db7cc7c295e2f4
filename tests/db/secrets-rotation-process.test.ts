// Must-show 4: `npm run secrets:rotate`, the real command as a process on PostgreSQL with a few
// hundred tenant secrets in small batches, is killed with SIGKILL halfway (some values under the
// new key, the others still under the old one) and run again: it finishes, every tenant secret
// decrypts with the new key alone, and the key file holds the new key, the old one kept aside.
// PostgreSQL only: with the embedded database the command refuses to run beside a portal, and one
// process at a time is all PGlite allows (secrets-rotation.test.ts runs the rotation on both).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFingerprint, parseSecretKey, SecretBox } from "../../orchestrator/secrets.ts";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../support/test-database.ts";

const SECRETS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runCommand(env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, ["scripts/run.mjs", "app/secrets-rotate-cli.ts", ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

describe.skipIf(testDatabaseKind() !== "postgres")("secrets:rotate killed halfway and run again (postgres)", () => {
  let t: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-rotate-cli-"));
  });
  afterAll(async () => {
    await t?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("resumes after SIGKILL and leaves every tenant secret opening with the new key alone", { timeout: 120_000 }, async () => {
    const oldKey = randomBytes(32);
    const keyFile = path.join(dataDir, "secrets.key");
    await writeFile(keyFile, oldKey.toString("hex") + "\n", { mode: 0o600 });
    const oldBox = new SecretBox(oldKey);
    const expected = new Map<string, string>();
    const customer = await t.db.prisma.customer.create({ data: { email: "keys@example.com", firstName: "K", lastName: "Eys", company: "Keys", phone: "+33612345678" } });
    for (let i = 0; i < SECRETS / 3; i++) {
      const tenant = await t.db.prisma.tenant.create({ data: { slug: `keys-${i}`, customerId: customer.id, statusToken: `keys-token-${i}` } });
      const rows = ["postgres_password", "app_key", "initial_password"].map((name) => {
        const value = randomBytes(12).toString("base64url");
        expected.set(`${tenant.id}/${name}`, value);
        return { tenantId: tenant.id, name, ciphertext: oldBox.encrypt(value, `${tenant.id}/${name}`) };
      });
      await t.db.prisma.tenantSecret.createMany({ data: rows });
    }
    const env = { DATABASE_URL: t.url!, DATA_DIR: dataDir, LOG_LEVEL: "warn" };

    // First run: slowed down after each batch of 10, killed once a third of the batches are in.
    const first = runCommand({ ...env, TENANTRY_ROTATION_TEST_PAUSE_MS: "150" }, ["--batch-size", "10"]);
    for (let i = 0; (first.output().match(/rotation-test pause/g) ?? []).length < 10; i++) {
      if (i > 600) throw new Error(`the command never got halfway:\n${first.output()}`);
      await sleep(100);
    }
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(first.output()).toMatch(/Rotating the secrets key from [0-9a-f]{16} to [0-9a-f]{16}/);
    expect(first.output()).not.toContain(oldKey.toString("hex"));

    // Halfway for real: the new key waits in secrets.key.next; some values under it, others not.
    const newKey = parseSecretKey(await readFile(`${keyFile}.next`, "utf8"));
    expect((await stat(`${keyFile}.next`)).mode & 0o777).toBe(0o600);
    expect(first.output()).not.toContain(newKey.toString("hex"));
    const newBox = new SecretBox(newKey);
    const opensWith = (box: SecretBox, row: { tenantId: string; name: string; ciphertext: string }) => {
      try {
        box.decrypt(row.ciphertext, `${row.tenantId}/${row.name}`);
        return true;
      } catch {
        return false;
      }
    };
    const halfway = await t.db.prisma.tenantSecret.findMany();
    const underNew = halfway.filter((row) => opensWith(newBox, row)).length;
    const underOld = halfway.filter((row) => opensWith(oldBox, row)).length;
    expect(underNew).toBeGreaterThan(0);
    expect(underOld).toBeGreaterThan(0);
    expect(underNew + underOld).toBe(SECRETS);
    expect(parseSecretKey(await readFile(keyFile, "utf8")).equals(oldKey)).toBe(true);

    // Second run, to the end.
    const second = runCommand(env, ["--batch-size", "10"]);
    const { code } = await second.exited;
    expect(second.output()).toMatch(/Resuming the rotation of the secrets key from/);
    expect(code, second.output()).toBe(0);
    expect(second.output()).toMatch(new RegExp(`tenant secrets\\s+${underOld} re-encrypted, ${underNew} already under the new key`));
    expect(second.output()).toContain(`every sealed value opens with the new key ${keyFingerprint(newKey)} alone`);

    const rows = await t.db.prisma.tenantSecret.findMany();
    expect(rows).toHaveLength(SECRETS);
    for (const row of rows) {
      expect(newBox.decrypt(row.ciphertext, `${row.tenantId}/${row.name}`)).toBe(expected.get(`${row.tenantId}/${row.name}`));
      expect(opensWith(oldBox, row)).toBe(false);
    }
    // The key file now holds the new key; the old one is kept aside, readable by its owner only.
    expect(parseSecretKey(await readFile(keyFile, "utf8")).equals(newKey)).toBe(true);
    await expect(stat(`${keyFile}.next`)).rejects.toMatchObject({ code: "ENOENT" });
    const retired = path.join(dataDir, "retired-keys", `${keyFingerprint(oldKey)}.key`);
    expect(parseSecretKey(await readFile(retired, "utf8")).equals(oldKey)).toBe(true);
    expect((await stat(retired)).mode & 0o777).toBe(0o600);
    const rotation = await t.db.prisma.secretKeyRotation.findFirstOrThrow();
    expect(rotation.runs).toBe(2);
    expect(rotation.completedAt).toBeInstanceOf(Date);
    expect(rotation.newKeySealed).toBeNull();

    // One entry when each run started, one when the rotation completed.
    const audit = await t.db.prisma.auditLog.findMany({ where: { action: { startsWith: "secrets." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["secrets.rotation_started", "secrets.rotation_started", "secrets.rotation_completed"]);
  });
});
