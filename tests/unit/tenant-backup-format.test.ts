// orchestrator/tenant-backup/format.ts on files in a scratch folder: a dump streamed through gzip
// and AES-256-GCM comes back whole with its key; another key, a truncated file, a flipped byte or
// a file whose recorded checksum differs are refused with a message saying what to do. (Taking
// and restoring a real tenant's dump: tests/docker/tenant-backup.test.ts.)
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingOf } from "../../orchestrator/errors.ts";
import { openBackupFile, verifyBackupFile, writeBackupFile } from "../../orchestrator/tenant-backup/format.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tenantry-tenant-backups-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const key = randomBytes(32);
const marker = "Zoë's distinctive row 7f3a";
const sql = `CREATE TABLE public.notes (id integer, body text);\nCOPY public.notes (id, body) FROM stdin;\n${"1\t" + marker + "\n"}\\.\n`.repeat(2000);
const meta = { tenantId: "tenant-a", createdAt: new Date("2026-12-03T10:00:00Z") };

async function* chunks(text: string, size: number) {
  for (let at = 0; at < text.length; at += size) yield Buffer.from(text.slice(at, at + size), "utf8");
}

async function write(name: string, text = sql, withKey = key) {
  return writeBackupFile(dir, name, Readable.from(chunks(text, 4096)), withKey, meta);
}

async function readAll(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

describe("tenant backup files", () => {
  it("round trip: the dump comes back whole, the file holds no plaintext, mode 0600, size and checksum recorded", async () => {
    const written = await write("round.sql.gz.tbk");
    const file = path.join(dir, written.fileName);
    const bytes = await readFile(file);
    expect(written.sizeBytes).toBe(bytes.length);
    expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bytes.includes(Buffer.from(marker))).toBe(false);
    expect(bytes.subarray(0, 25).toString()).toBe("TENANTRY-TENANT-BACKUP 1\n");
    // Not a gzip stream either: the body cannot be gunzipped without the key.
    expect(() => gunzipSync(bytes)).toThrow();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readAll(await openBackupFile(file, key, written.sha256))).toBe(sql);
    expect((await verifyBackupFile(file, key, written.sha256)).plainBytes).toBe(Buffer.byteLength(sql));
  });

  it("an empty dump round trips too", async () => {
    const written = await write("empty.sql.gz.tbk", "");
    expect(await readAll(await openBackupFile(path.join(dir, written.fileName), key))).toBe("");
  });

  it("refuses another key, naming both keys' fingerprints and the setting to check", async () => {
    const written = await write("other-key.sql.gz.tbk");
    const refused = await verifyBackupFile(path.join(dir, written.fileName), randomBytes(32)).catch((error: unknown) => error);
    expect(settingOf(refused)).toBe("backups.key");
    await expect(verifyBackupFile(path.join(dir, written.fileName), randomBytes(32))).rejects.toThrow(/was made with another key \(fingerprint [^;]+; the backup key in use is [^)]+\): restore it with the backup key it was made with\. Nothing was changed\./);
  });

  it("refuses a truncated file", async () => {
    const written = await write("truncated.sql.gz.tbk");
    const file = path.join(dir, written.fileName);
    await truncate(file, written.sizeBytes - 1000);
    await expect(verifyBackupFile(file, key)).rejects.toThrow(/damaged \(truncated or altered\).*Nothing was changed/);
    await truncate(file, 30);
    await expect(verifyBackupFile(file, key)).rejects.toThrow(/damaged/);
  });

  it("refuses a file with one byte flipped, wherever it is", async () => {
    const written = await write("flipped.sql.gz.tbk");
    const file = path.join(dir, written.fileName);
    const original = await readFile(file);
    for (const at of [10, 200, Math.floor(original.length / 2), original.length - 40, original.length - 1]) {
      const copy = Buffer.from(original);
      copy[at] = copy[at]! ^ 0x01;
      await writeFile(file, copy);
      await expect(verifyBackupFile(file, key), `byte ${at}`).rejects.toThrow(/not a Tenantry tenant backup|damaged|cannot be authenticated/);
    }
  });

  it("refuses a self-consistent file whose checksum differs from the one recorded (swapped file)", async () => {
    const first = await write("first.sql.gz.tbk");
    const second = await write("second.sql.gz.tbk");
    await expect(verifyBackupFile(path.join(dir, second.fileName), key, first.sha256)).rejects.toThrow(/checksum does not match/);
  });

  it("refuses a GCM tag that fails even when the trailing checksum was recomputed", async () => {
    const written = await write("retagged.sql.gz.tbk");
    const file = path.join(dir, written.fileName);
    const bytes = Buffer.from(await readFile(file));
    const body = bytes.length - 48 - 100;
    bytes[body] = bytes[body]! ^ 0x80;
    const { createHash } = await import("node:crypto");
    createHash("sha256").update(bytes.subarray(0, bytes.length - 32)).digest().copy(bytes, bytes.length - 32);
    await writeFile(file, bytes);
    await expect(verifyBackupFile(file, key)).rejects.toThrow(/cannot be authenticated with this key, or is damaged/);
  });
});
