// The tenant backup file (issue 13): a tenant database's dump, gzipped then sealed with
// AES-256-GCM, written and read as streams so a dump of any size is never held in memory.
//
//   "TENANTRY-TENANT-BACKUP 1\n"   magic and format version
//   <header JSON>\n                 tenant id, created at, key fingerprint, salt, iv (no data)
//   <AES-256-GCM ciphertext>        of the gzipped dump, the two lines above as AAD
//   <16-byte GCM tag>
//   <32-byte SHA-256 of all of the above>  so damage is named as damage before any key is tried
//
// The key is derived with HKDF ("tenantry tenant backup v1", a random salt per file) from the
// backup key (the secrets key, or a separate backup key): a file opens only with the key it was
// made with, and its header's fingerprint says when another key is needed. Files are written under
// a temporary name with mode 0600 and renamed once complete.
import { createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { PassThrough, Transform, Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { OrchestratorError } from "../errors.ts";
import { keyFingerprint } from "../secrets.ts";
import { sealingTransform } from "../sealed-stream.ts";

export const TENANT_BACKUP_MAGIC = "TENANTRY-TENANT-BACKUP 1\n";
export const TENANT_BACKUP_EXTENSION = ".sql.gz.tbk";
const HKDF_INFO = "tenantry tenant backup v1";
const TAG_BYTES = 16;
const HASH_BYTES = 32;
const MAX_HEADER_BYTES = 64 * 1024;

export interface TenantBackupHeader {
  format: 1;
  tenantId: string;
  createdAt: string;
  /** keyFingerprint of the backup key the file is sealed with. */
  keyFingerprint: string;
  salt: string;
  iv: string;
}

/** A backup file that cannot be used: not ours, damaged, or sealed with another key. Never retried. */
export class TenantBackupFileError extends OrchestratorError {
  override name = "TenantBackupFileError";
  constructor(message: string, cause?: unknown, setting?: "backups.key") {
    super(message, { transient: false, cause, ...(setting ? { setting } : {}) });
  }
}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", key, salt, HKDF_INFO, 32));
}

/** A transform writing the preamble, the ciphertext of what flows through, then the tag and checksum. */
export function backupSealer(key: Buffer, meta: { tenantId: string; createdAt: Date }): Transform {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const header: TenantBackupHeader = {
    format: 1,
    tenantId: meta.tenantId,
    createdAt: meta.createdAt.toISOString(),
    keyFingerprint: keyFingerprint(key),
    salt: salt.toString("base64"),
    iv: iv.toString("base64"),
  };
  const preamble = Buffer.from(TENANT_BACKUP_MAGIC + JSON.stringify(header) + "\n", "utf8");
  return sealingTransform(fileKey(key, salt), iv, preamble);
}

export interface WrittenBackup {
  fileName: string;
  sizeBytes: number;
  /** SHA-256 of the whole file, hex (recorded, checked again before a restore). */
  sha256: string;
}

/**
 * Streams `dump` (plain text) through gzip and the sealer into `dir/fileName`: a temporary file
 * (0600) renamed once complete, removed if anything fails. Memory use does not grow with the dump.
 */
export async function writeBackupFile(dir: string, fileName: string, dump: Readable, key: Buffer, meta: { tenantId: string; createdAt: Date }): Promise<WrittenBackup> {
  const target = path.join(dir, safeBackupName(fileName));
  const temporary = path.join(dir, `.${fileName}.${randomBytes(6).toString("hex")}.tmp`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(dump, createGzip(), backupSealer(key, meta), measure, createWriteStream(temporary, { flags: "wx", mode: 0o600 }));
    const handle = await open(temporary, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, 0o600);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { fileName, sizeBytes, sha256: hash.digest("hex") };
}

interface OpenedBackup {
  file: string;
  header: TenantBackupHeader;
  size: number;
  bodyStart: number;
  bodyEnd: number;
  preamble: Buffer;
}

/** Reads and checks the magic and the header; the body is not read. */
export async function readBackupHeader(file: string): Promise<OpenedBackup> {
  const name = path.basename(file);
  const { size } = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new TenantBackupFileError(
      error.code === "ENOENT" ? `The backup file ${name} is missing from the backups folder; use another backup.` : `Cannot read the backup file ${name}: ${error.message}`,
      error,
    );
  });
  const handle = await open(file, "r");
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(Math.min(size, MAX_HEADER_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, TENANT_BACKUP_MAGIC.length).toString("utf8") !== TENANT_BACKUP_MAGIC) {
    throw new TenantBackupFileError(`${name} is not a Tenantry tenant backup, or its beginning is damaged. Nothing was changed; use another backup.`);
  }
  const end = head.indexOf(0x0a, TENANT_BACKUP_MAGIC.length);
  if (end < 0) throw new TenantBackupFileError(`${name} is damaged: its header is cut off. Nothing was changed; use another backup.`);
  let header: TenantBackupHeader;
  try {
    header = JSON.parse(head.subarray(TENANT_BACKUP_MAGIC.length, end).toString("utf8")) as TenantBackupHeader;
  } catch {
    throw new TenantBackupFileError(`${name} is damaged: its header is not readable. Nothing was changed; use another backup.`);
  }
  if (header.format !== 1 || typeof header.keyFingerprint !== "string" || typeof header.salt !== "string" || typeof header.iv !== "string") {
    throw new TenantBackupFileError(`${name} has a header this version of Tenantry does not know; restore it with the Tenantry version that wrote it.`);
  }
  const bodyStart = end + 1;
  const bodyEnd = size - TAG_BYTES - HASH_BYTES;
  if (bodyEnd < bodyStart) throw new TenantBackupFileError(`${name} is damaged: it is truncated. Nothing was changed; use another backup.`);
  return { file, header, size, bodyStart, bodyEnd, preamble: head.subarray(0, bodyStart) };
}

async function readRange(file: string, start: number, endInclusive: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start, end: endInclusive })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The SHA-256 at the end of the file, and (if given) the one recorded when it was written. */
async function verifyChecksum(opened: OpenedBackup, recordedSha256?: string): Promise<void> {
  const name = path.basename(opened.file);
  const inner = createHash("sha256");
  const whole = createHash("sha256");
  for await (const chunk of createReadStream(opened.file)) whole.update(chunk as Buffer);
  for await (const chunk of createReadStream(opened.file, { start: 0, end: opened.size - HASH_BYTES - 1 })) inner.update(chunk as Buffer);
  const stored = await readRange(opened.file, opened.size - HASH_BYTES, opened.size - 1);
  const recordedMismatch = recordedSha256 !== undefined && whole.digest("hex") !== recordedSha256;
  if (!inner.digest().equals(stored) || recordedMismatch) {
    throw new TenantBackupFileError(`${name} is damaged (truncated or altered): its checksum does not match. Nothing was changed; use another backup.`);
  }
}

function checkKey(opened: OpenedBackup, key: Buffer): void {
  if (opened.header.keyFingerprint !== keyFingerprint(key)) {
    throw new TenantBackupFileError(
      `${path.basename(opened.file)} was made with another key (fingerprint ${opened.header.keyFingerprint}; the backup key in use is ` +
        `${keyFingerprint(key)}): restore it with the backup key it was made with. Nothing was changed.`,
      undefined,
      "backups.key",
    );
  }
}

/**
 * The dump's plain text, decrypted and gunzipped as it is read. The GCM tag is checked at the end
 * only: a consumer must treat the text as unproven until the stream ends without error, so a
 * restore runs `verifyBackupFile` first.
 */
export async function openBackupFile(file: string, key: Buffer, recordedSha256?: string): Promise<Readable> {
  const opened = await readBackupHeader(file);
  await verifyChecksum(opened, recordedSha256);
  checkKey(opened, key);
  const name = path.basename(file);
  const { header } = opened;
  const tag = await readRange(file, opened.bodyEnd, opened.bodyEnd + TAG_BYTES - 1);
  const decipher = createDecipheriv("aes-256-gcm", fileKey(key, Buffer.from(header.salt, "base64")), Buffer.from(header.iv, "base64"));
  decipher.setAAD(opened.preamble);
  decipher.setAuthTag(tag);
  const source = opened.bodyEnd > opened.bodyStart ? createReadStream(file, { start: opened.bodyStart, end: opened.bodyEnd - 1 }) : emptyStream();
  const gunzip = createGunzip();
  const out = new PassThrough();
  const fail = (error: Error) => {
    if (out.destroyed) return;
    out.destroy(
      new TenantBackupFileError(`${name} cannot be authenticated with this key, or is damaged (${error.message}). Nothing was changed; use another backup.`, error),
    );
  };
  source.on("error", fail);
  decipher.on("error", fail);
  gunzip.on("error", fail);
  source.pipe(decipher).pipe(gunzip).pipe(out);
  return out;
}

function emptyStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}

/**
 * Reads the whole file once (checksums, key, GCM tag, gzip) into nothing: a restore calls this
 * before it touches the tenant's database. Returns the plain text's size in bytes.
 */
export async function verifyBackupFile(file: string, key: Buffer, recordedSha256?: string): Promise<{ plainBytes: number }> {
  let plainBytes = 0;
  await pipeline(
    await openBackupFile(file, key, recordedSha256),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        plainBytes += chunk.length;
        done();
      },
    }),
  );
  return { plainBytes };
}

/** A name inside the backups folder, never a path. */
export function safeBackupName(fileName: string): string {
  if (fileName !== path.basename(fileName) || fileName.startsWith(".") || fileName.includes("\0") || fileName === "") {
    throw new TenantBackupFileError(`${JSON.stringify(fileName)} is not a backup file name (a name in the backups folder, no path).`);
  }
  return fileName;
}
