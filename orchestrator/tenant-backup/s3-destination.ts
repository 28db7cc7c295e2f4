// The S3-compatible bucket tenant backups may be kept in (issue 13), instead of the local folder:
// a backup file, once written and checked in the backups folder (format.ts), is uploaded
// (@aws-sdk/lib-storage's Upload: multipart above 8 MiB, streamed from the file), its size checked
// with HeadObject, and only then may the local copy go; a restore or a verification downloads it
// again (GetObject, streamed) to a temporary file (0600) in the backups folder; retention deletes
// the object. Path-style addressing, so any S3-compatible server works (MinIO, Garage, Ceph…).
// Errors say what to check by setting code ("backups.s3"), never with a secret; those of the
// network or of the server (5xx, throttling) are transient (the job retries), the local file kept.
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { OrchestratorError } from "../errors.ts";

/** The bucket settings: its address, region and access key (the portal fills them from its configuration). */
export interface S3BackupSettings {
  /** `https://<endpoint>/<bucket>[/<prefix>]`, path-style. */
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Location {
  endpoint: string;
  bucket: string;
  /** "" or "a/b/" (ends with a slash). */
  prefix: string;
}

const PART_BYTES = 8 * 1024 * 1024;

/** Splits the bucket URL; throws a clear error when it has no bucket. */
export function parseS3Url(url: string): S3Location {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OrchestratorError("The S3 bucket address is not a URL: give https://<endpoint>/<bucket>[/<prefix>].", { transient: false, setting: "backups.s3" });
  }
  const [bucket = "", ...rest] = parsed.pathname.split("/").filter((part) => part !== "");
  if ((parsed.protocol !== "https:" && parsed.protocol !== "http:") || !bucket || parsed.username || parsed.password || parsed.search) {
    throw new OrchestratorError("The S3 bucket address must be http(s)://<endpoint>/<bucket>[/<prefix>], with no credentials or query in it.", {
      transient: false,
      setting: "backups.s3",
    });
  }
  return { endpoint: parsed.origin, bucket: decodeURIComponent(bucket), prefix: rest.map((part) => `${decodeURIComponent(part)}/`).join("") };
}

export class S3BackupStore {
  readonly location: S3Location;
  private readonly client: S3Client;

  constructor(settings: S3BackupSettings) {
    this.location = parseS3Url(settings.url);
    this.client = new S3Client({
      endpoint: this.location.endpoint,
      region: settings.region,
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Many S3-compatible servers know none of the newer default checksums (CRC32 trailers).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
    });
  }

  /** The object key of a backup file name. */
  key(fileName: string): string {
    return `${this.location.prefix}${fileName}`;
  }

  /** Where, for messages and the audit: "s3://bucket/prefix/file" (no endpoint credentials exist in it). */
  describe(fileName: string): string {
    return `s3://${this.location.bucket}/${this.key(fileName)}`;
  }

  /** Uploads `file` as `<prefix><fileName>` and checks the object's size; the local file is left alone. */
  async upload(file: string, fileName: string): Promise<{ sizeBytes: number }> {
    const { size } = await stat(file);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: this.key(fileName), Body: createReadStream(file), ContentType: "application/octet-stream" },
      partSize: PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw this.failure(`Uploading the backup to ${this.describe(fileName)}`, error, fileName);
    }
    const stored = await this.size(fileName);
    if (stored !== size) {
      throw new OrchestratorError(`After the upload, ${this.describe(fileName)} holds ${stored === null ? "nothing" : `${stored} bytes`}, not the ${size} bytes of the file. Check the S3-compatible server; the job retries.`, {
        transient: true,
        setting: "backups.s3",
      });
    }
    return { sizeBytes: size };
  }

  /** The object's size, or null when there is no such object. */
  async size(fileName: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(fileName) }));
      return head.ContentLength ?? null;
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === "NotFound" || error.name === "NoSuchKey")) return null;
      throw this.failure(`Checking ${this.describe(fileName)}`, error, fileName);
    }
  }

  /**
   * Downloads the object to a temporary file (0600) in `dir` and returns its path; the caller
   * removes it (withDownload does). Streamed: memory does not grow with the backup.
   */
  async download(fileName: string, dir: string): Promise<string> {
    const temporary = path.join(dir, `.download-${randomBytes(6).toString("hex")}-${fileName}`);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(fileName) }));
      await pipeline(object.Body as Readable, createWriteStream(temporary, { flags: "wx", mode: 0o600 }));
      return temporary;
    } catch (error) {
      await rm(temporary, { force: true });
      throw this.failure(`Downloading the backup ${this.describe(fileName)}`, error, fileName);
    }
  }

  /** Runs `use` on a downloaded copy of the object, removed afterwards whatever happens. */
  async withDownload<T>(fileName: string, dir: string, use: (file: string) => Promise<T>): Promise<T> {
    const file = await this.download(fileName, dir);
    try {
      return await use(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Deletes the object (no error when it is already gone: S3 answers the same). */
  async remove(fileName: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(fileName) }));
    } catch (error) {
      throw this.failure(`Deleting ${this.describe(fileName)}`, error, fileName);
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  /** An error naming what to check: the backup missing, the keys, the bucket, or the server/network (transient). */
  private failure(what: string, error: unknown, fileName: string): OrchestratorError {
    const code = error instanceof S3ServiceException ? error.name : (error as { code?: string; name?: string })?.code ?? (error as Error)?.name ?? "Error";
    const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
    const detail = `${code}${status ? `, HTTP ${status}` : ""}`;
    if (code === "NoSuchKey" || code === "NotFound") {
      return new OrchestratorError(`${what} failed: the bucket has no object ${this.describe(fileName)} (${detail}). It was deleted outside Tenantry, or the bucket setting changed since the backup was taken; choose another backup.`, {
        transient: false,
        cause: error,
        setting: "backups.s3",
      });
    }
    if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden"].includes(code) || status === 403) {
      return new OrchestratorError(`${what} failed: the S3-compatible server refused the access key (${detail}). Check the bucket's access key id and secret and the key's rights on bucket ${this.location.bucket}.`, {
        transient: true,
        cause: error,
        setting: "backups.s3",
      });
    }
    if (code === "NoSuchBucket") {
      return new OrchestratorError(`${what} failed: there is no bucket ${this.location.bucket} at ${this.location.endpoint} (${detail}). Check the bucket address, or create the bucket.`, {
        transient: true,
        cause: error,
        setting: "backups.s3",
      });
    }
    return new OrchestratorError(`${what} failed (${detail}: ${(error as Error)?.message ?? String(error)}). Check that ${this.location.endpoint} answers and the bucket settings are right; the job retries.`, {
      transient: true,
      cause: error,
      setting: "backups.s3",
    });
  }
}
