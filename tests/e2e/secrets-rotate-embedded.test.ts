// `npm run secrets:rotate` with the embedded database: refused while the portal holds it (the
// message says to stop the portal, and nothing is touched), then, the portal stopped, run to the
// end with no wait; the portal starts again on the new key file, and refuses to start when given
// the retired key (naming the key it needs by fingerprint).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFingerprint, parseSecretKey, SecretBox } from "../../orchestrator/secrets.ts";
import { openDatabase } from "../../prisma/database.ts";
import { repoRoot, startPortal } from "../support/portal.ts";

function runRotate(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["scripts/run.mjs", "app/secrets-rotate-cli.ts"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

describe("secrets:rotate with the embedded database", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-rotate-embedded-"));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("is refused beside the running portal, then rotates with the portal stopped, which starts again on the new key only", { timeout: 180_000 }, async () => {
    const portal = await startPortal({ DATA_DIR: dataDir });
    const keyFile = path.join(dataDir, "secrets.key");
    const oldKey = parseSecretKey(await readFile(keyFile, "utf8")); // created by the portal's first start
    try {
      const refused = await runRotate({ DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/stop the portal, run npm run secrets:rotate, then start the portal again/);
      await expect(stat(`${keyFile}.next`)).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      await portal.stop();
    }

    // A tenant's secret, sealed as the portal seals them.
    const value = randomBytes(12).toString("hex");
    const seeded = await openDatabase({ embeddedDir: path.join(dataDir, "pglite") });
    let secretId: string;
    try {
      const customer = await seeded.prisma.customer.create({ data: { email: "embedded@example.com", firstName: "E", lastName: "Mbedded", company: "Embedded", phone: "+33612345678" } });
      const tenant = await seeded.prisma.tenant.create({ data: { slug: "embedded", customerId: customer.id, statusToken: "embedded-token" } });
      secretId = (await seeded.prisma.tenantSecret.create({ data: { tenantId: tenant.id, name: "postgres_password", ciphertext: new SecretBox(oldKey).encrypt(value, `${tenant.id}/postgres_password`) } })).id;
    } finally {
      await seeded.close();
    }

    const done = await runRotate({ DATA_DIR: dataDir });
    expect(done.code, done.output).toBe(0);
    expect(done.output).not.toMatch(/Waiting/); // no other process can hold the embedded database
    expect(done.output).toMatch(/tenant secrets\s+1 re-encrypted, 0 already under the new key/);
    const newKey = parseSecretKey(await readFile(keyFile, "utf8"));
    expect(keyFingerprint(newKey)).not.toBe(keyFingerprint(oldKey));
    expect(done.output).toContain(path.join(dataDir, "retired-keys", `${keyFingerprint(oldKey)}.key`));

    // The portal starts on the new key file; given the retired key instead, it refuses to start.
    const again = await startPortal({ DATA_DIR: dataDir });
    await again.stop();
    const retired = await startPortal({ DATA_DIR: dataDir, SECRETS_KEY: oldKey.toString("hex") }).then(
      async (p) => {
        await p.stop();
        return "started";
      },
      (error: Error) => error.message,
    );
    expect(retired).toMatch(new RegExp(`was retired by the rotation completed .*fingerprint ${keyFingerprint(newKey)}`));

    const check = await openDatabase({ embeddedDir: path.join(dataDir, "pglite") });
    try {
      const row = await check.prisma.tenantSecret.findUniqueOrThrow({ where: { id: secretId } });
      expect(new SecretBox(newKey).decrypt(row.ciphertext, `${row.tenantId}/postgres_password`)).toBe(value);
      expect(() => new SecretBox(oldKey).decrypt(row.ciphertext, `${row.tenantId}/postgres_password`)).toThrow();
    } finally {
      await check.close();
    }
  });
});
