import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateKeyFile, parseSecretKey, redactSecrets, SecretBox, SecretKeyError } from "../../orchestrator/secrets.ts";

describe("secrets", () => {
  it("encrypts with AES-256-GCM, bound to its context", () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const sealed = box.encrypt("s3cret-value", "tenant-a/db_password");
    expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("s3cret");
    expect(box.encrypt("s3cret-value", "tenant-a/db_password")).not.toBe(sealed); // fresh IV each time
    expect(box.decrypt(sealed, "tenant-a/db_password")).toBe("s3cret-value");
    // Moved to another tenant, or tampered with, it does not decrypt.
    expect(() => box.decrypt(sealed, "tenant-b/db_password")).toThrow(SecretKeyError);
    // One character of the ciphertext changed (the second-to-last: all six of its bits are data).
    const tampered = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.slice(-1);
    expect(() => box.decrypt(tampered, "tenant-a/db_password")).toThrow(/could not be decrypted/);
    expect(() => new SecretBox(Buffer.alloc(32, 8)).decrypt(sealed, "tenant-a/db_password")).toThrow(/not the one/);
  });

  it("creates the key file once, with mode 0600", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-key-"));
    const file = path.join(dir, "nested", "secrets.key");
    const first = await loadOrCreateKeyFile(file);
    const second = await loadOrCreateKeyFile(file);
    expect(first.length).toBe(32);
    expect(second.equals(first)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads configured keys in hex or base64 and refuses others", () => {
    expect(parseSecretKey("ab".repeat(32)).length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 1).toString("base64")).length).toBe(32);
    expect(() => parseSecretKey("too-short")).toThrow(/32 bytes/);
  });

  it("redacts secret values from any text", () => {
    expect(redactSecrets("password abc123def failed for abc123def", ["abc123def"])).toBe("password *** failed for ***");
  });
});
