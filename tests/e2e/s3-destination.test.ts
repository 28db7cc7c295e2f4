// The S3 destination of tenant backups (orchestrator/tenant-backup/s3-destination.ts) against the
// S3 double (tests/s3-double/, an in-memory S3-compatible server: no real one can be installed
// here): a 20 MB file goes up in parts (multipart) and comes back byte for byte through a 0600
// temporary file that is removed after use; a wrong access key and a missing object give errors
// saying what to check; a small file goes up in one PutObject; deleting removes the object.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrchestratorError, settingOf } from "../../orchestrator/errors.ts";
import { parseS3Url, S3BackupStore } from "../../orchestrator/tenant-backup/s3-destination.ts";
import { startS3Double, type S3Double } from "../s3-double/server.ts";

const KEY_ID = "AKIAM3DOUBLE0000001";
const SECRET = randomBytes(24).toString("base64");
let double: S3Double;
let dir: string;

beforeAll(async () => {
  double = await startS3Double({ buckets: ["m-backups"], accessKeyId: KEY_ID });
  dir = await mkdtemp(path.join(tmpdir(), "m-s3-"));
});
afterAll(async () => {
  await double?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function store(overrides: { accessKeyId?: string; url?: string } = {}): S3BackupStore {
  return new S3BackupStore({ url: overrides.url ?? `${double.url}/m-backups/tenants/eu`, region: "us-east-1", accessKeyId: overrides.accessKeyId ?? KEY_ID, secretAccessKey: SECRET });
}

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("the S3 destination against the S3 double", () => {
  it("parses the bucket address path-style and refuses one without a bucket", () => {
    expect(parseS3Url("https://s3.eu-west-3.amazonaws.com/my-bucket/prefix/more")).toEqual({ endpoint: "https://s3.eu-west-3.amazonaws.com", bucket: "my-bucket", prefix: "prefix/more/" });
    expect(parseS3Url("http://127.0.0.1:9000/b")).toEqual({ endpoint: "http://127.0.0.1:9000", bucket: "b", prefix: "" });
    expect(() => parseS3Url("https://s3.example.com/")).toThrow(/<bucket>/);
    expect(() => parseS3Url("https://user:pw@s3.example.com/b")).toThrow(/no credentials/);
  });

  it("round-trips a 20 MB file through a multipart upload, checks its size, downloads it to a 0600 temporary file removed after use, and deletes it", async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const file = path.join(dir, "t1-20261203T000000Z-abc.sql.gz.tbk");
    await writeFile(file, data);
    const s3 = store();
    const callsBefore = double.calls.length;
    expect(await s3.upload(file, "t1-20261203T000000Z-abc.sql.gz.tbk")).toEqual({ sizeBytes: data.length });
    const operations = double.calls.slice(callsBefore).map((call) => call.operation);
    expect(operations.filter((op) => op === "UploadPart").length).toBe(3); // 8 + 8 + 4 MiB
    expect(operations).toContain("CreateMultipartUpload");
    expect(operations).toContain("CompleteMultipartUpload");
    expect(operations).toContain("HeadObject");
    expect(operations).not.toContain("PutObject");
    expect(double.pendingUploads()).toBe(0);
    const object = double.bucket("m-backups").get("tenants/eu/t1-20261203T000000Z-abc.sql.gz.tbk");
    expect(object?.body.length).toBe(data.length);
    expect(sha(object!.body)).toBe(sha(data));
    expect(object?.etag).toMatch(/-3"$/);

    const downloads = path.join(dir, "downloads");
    await import("node:fs/promises").then((fs) => fs.mkdir(downloads));
    const seen = await s3.withDownload("t1-20261203T000000Z-abc.sql.gz.tbk", downloads, async (copy) => {
      expect(path.dirname(copy)).toBe(downloads);
      expect((await stat(copy)).mode & 0o777).toBe(0o600);
      return sha(await readFile(copy));
    });
    expect(seen).toBe(sha(data));
    expect(await readdir(downloads)).toEqual([]);

    await s3.remove("t1-20261203T000000Z-abc.sql.gz.tbk");
    expect(double.bucket("m-backups").has("tenants/eu/t1-20261203T000000Z-abc.sql.gz.tbk")).toBe(false);
    expect(await s3.size("t1-20261203T000000Z-abc.sql.gz.tbk")).toBeNull();
    await s3.remove("t1-20261203T000000Z-abc.sql.gz.tbk"); // already gone: fine, as with S3
    s3.destroy();
  });

  it("puts a small file in one PutObject", async () => {
    const file = path.join(dir, "small.tbk");
    await writeFile(file, "a small backup");
    const s3 = store();
    const callsBefore = double.calls.length;
    await s3.upload(file, "small.tbk");
    expect(double.calls.slice(callsBefore).map((call) => call.operation)).toEqual(["PutObject", "HeadObject"]);
    expect(double.bucket("m-backups").get("tenants/eu/small.tbk")?.body.toString()).toBe("a small backup");
    s3.destroy();
  });

  it("a wrong access key id: a transient error pointing at the bucket's keys, and nothing stored", async () => {
    const file = path.join(dir, "refused.tbk");
    await writeFile(file, randomBytes(1024));
    const s3 = store({ accessKeyId: "AKIAWRONGKEY0000000" });
    const error = await s3.upload(file, "refused.tbk").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OrchestratorError);
    expect((error as Error).message).toMatch(/refused the access key \(InvalidAccessKeyId, HTTP 403\)\. Check the bucket's access key id and secret/);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as OrchestratorError).transient).toBe(true);
    expect(settingOf(error)).toBe("backups.s3");
    expect(double.bucket("m-backups").has("tenants/eu/refused.tbk")).toBe(false);
    s3.destroy();
  });

  it("a missing object or bucket: a clear error, and no temporary file left", async () => {
    const s3 = store();
    const downloads = await mkdtemp(path.join(dir, "missing-"));
    const error = await s3.download("gone.tbk", downloads).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/the bucket has no object s3:\/\/m-backups\/tenants\/eu\/gone\.tbk \(NoSuchKey, HTTP 404\)/);
    expect((error as OrchestratorError).transient).toBe(false);
    expect(settingOf(error)).toBe("backups.s3");
    expect(await readdir(downloads)).toEqual([]);
    s3.destroy();

    const noBucket = store({ url: `${double.url}/m-nowhere` });
    const file = path.join(dir, "nobucket.tbk");
    await writeFile(file, "x");
    const bucketError = await noBucket.upload(file, "nobucket.tbk").catch((caught: unknown) => caught);
    expect((bucketError as Error).message).toMatch(/there is no bucket m-nowhere at http:\/\/127\.0\.0\.1:\d+ \(NoSuchBucket, HTTP 404\)/);
    noBucket.destroy();
  });
});
