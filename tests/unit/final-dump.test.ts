// orchestrator/lifecycle/final-dump.ts, the part that needs no engine: a dump sealed for one file
// name opens only under that name and with that key, and a file name is never a path. (Taking the
// dump, writing it atomically and recording it: tests/docker/trial-lifecycle.test.ts.)
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalDumpFileName, readFinalDump, sealDump } from "../../orchestrator/lifecycle/final-dump.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tenantry-dumps-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const box = new SecretBox(randomBytes(32));
const sql = "CREATE TABLE public.users (id integer, username text);\nCOPY public.users (id, username) FROM stdin;\n1\tzoë-ü\n\\.\n".repeat(50);

describe("final dumps", () => {
  it("are named after the tenant's id only", () => {
    expect(finalDumpFileName("3f0c9a4e-1b2c-4d5e-8f90-0123456789ab")).toBe("3f0c9a4e-1b2c-4d5e-8f90-0123456789ab-final.sql.gz.enc");
  });

  it("open again with the key and the name they were sealed under, compressed and unreadable otherwise", async () => {
    const name = finalDumpFileName("tenant-a");
    const sealed = await sealDump(box, name, sql);
    expect(sealed).not.toContain("users");
    expect(sealed.length).toBeLessThan(sql.length);
    await writeFile(path.join(dir, name), sealed);
    expect(await readFinalDump(box, dir, name)).toBe(sql);
    await expect(readFinalDump(new SecretBox(randomBytes(32)), dir, name)).rejects.toThrow(/could not be decrypted/);
    // Another tenant's name over this file: the name is authenticated with the contents.
    const other = finalDumpFileName("tenant-b");
    await writeFile(path.join(dir, other), await readFile(path.join(dir, name), "utf8"));
    await expect(readFinalDump(box, dir, other)).rejects.toThrow(/could not be decrypted/);
  });

  it("are read by name, never by path", async () => {
    for (const name of ["../secrets.key", "/etc/passwd", "..", "a/b.enc"]) {
      await expect(readFinalDump(box, dir, name)).rejects.toThrow(/is not a dump file name/);
    }
  });
});
