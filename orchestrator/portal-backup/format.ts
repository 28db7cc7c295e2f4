// The portal backup file: what it holds and how it is sealed (docs/decisions/0013).
//
//   "TENANTRY-PORTAL-BACKUP 1\n"         magic and format version
//   <header JSON>\n                       created at, migrations, key fingerprint, row counts (no data)
//   <AES-256-GCM ciphertext>              of the gzipped body (JSON lines), the two lines above as AAD
//   <16-byte GCM tag>
//   <32-byte SHA-256 of all of the above> so damage is named as damage before any key is tried
//
// The key is derived with HKDF from the secrets key (a random salt per file, in the header), so the
// file opens only with the key the portal had when it was written. Written and read as streams.
import { createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { PassThrough, Transform, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { keyFingerprint } from "../secrets.ts";
import { sealingTransform } from "../sealed-stream.ts";

export const MAGIC = "TENANTRY-PORTAL-BACKUP 1\n";
export const BACKUP_EXTENSION = ".tenantry-backup";
const TAG_BYTES = 16;
const HASH_BYTES = 32;
const MAX_HEADER_BYTES = 1024 * 1024;

export interface BackupHeader {
  format: 1;
  createdAt: string;
  /** The migrations applied to the database when it was copied, in order. */
  migrations: string[];
  /** keyFingerprint of the secrets key the file (and the secrets in it) are sealed with. */
  keyFingerprint: string;
  /** Rows per table, in the order the body holds them (parents before children). */
  tables: Record<string, number>;
  /** Each sequence's value when copied (bigserial ids), so a restore never hands an id out twice. */
  sequences: Record<string, number>;
  salt: string;
  iv: string;
}

export class BackupFileError extends Error {
  override name = "BackupFileError";
}

export function fileKey(secretKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, salt, "tenantry portal backup", 32));
}

/** A transform that writes the header, then seals what flows through it, then the tag and checksum. */
export function sealer(secretKey: Buffer, header: Omit<BackupHeader, "salt" | "iv" | "keyFingerprint" | "format">): Transform {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const full: BackupHeader = { format: 1, ...header, keyFingerprint: keyFingerprint(secretKey), salt: salt.toString("base64"), iv: iv.toString("base64") };
  const preamble = Buffer.from(MAGIC + JSON.stringify(full) + "\n", "utf8");
  return sealingTransform(fileKey(secretKey, salt), iv, preamble);
}

export interface OpenedBackup {
  file: string;
  header: BackupHeader;
  size: number;
  /** Where the ciphertext starts and ends (the tag follows it). */
  bodyStart: number;
  bodyEnd: number;
  preamble: Buffer;
}

/** Reads and checks the magic and the header; the body is not read. */
export async function readHeader(file: string): Promise<OpenedBackup> {
  const { size } = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new BackupFileError(error.code === "ENOENT" ? `No backup file at ${file}.` : `Cannot read ${file}: ${error.message}`);
  });
  const handle = await open(file, "r");
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(Math.min(size, MAX_HEADER_BYTES + MAGIC.length));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, MAGIC.length).toString("utf8") !== MAGIC) {
    throw new BackupFileError(`${file} is not a Tenantry portal backup (it does not start with "${MAGIC.trim()}").`);
  }
  const end = head.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw new BackupFileError(`${file} is damaged: its header is cut off. Use another backup.`);
  let header: BackupHeader;
  try {
    header = JSON.parse(head.subarray(MAGIC.length, end).toString("utf8")) as BackupHeader;
  } catch {
    throw new BackupFileError(`${file} is damaged: its header is not readable. Use another backup.`);
  }
  if (header.format !== 1 || !Array.isArray(header.migrations) || typeof header.keyFingerprint !== "string" || !header.tables) {
    throw new BackupFileError(`${file} has a header this version of Tenantry does not know (format ${String(header.format)}). Restore it with the Tenantry version that wrote it.`);
  }
  const bodyStart = end + 1;
  const bodyEnd = size - TAG_BYTES - HASH_BYTES;
  if (bodyEnd < bodyStart) throw new BackupFileError(`${file} is damaged: it is truncated. Use another backup.`);
  return { file, header, size, bodyStart, bodyEnd, preamble: head.subarray(0, bodyStart) };
}

async function readRange(file: string, start: number, endInclusive: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start, end: endInclusive })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Checks the SHA-256 at the end of the file: a truncated or altered file is refused here. */
export async function verifyChecksum(opened: OpenedBackup): Promise<void> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(opened.file, { start: 0, end: opened.size - HASH_BYTES - 1 })) hash.update(chunk as Buffer);
  const stored = await readRange(opened.file, opened.size - HASH_BYTES, opened.size - 1);
  if (!hash.digest().equals(stored)) {
    throw new BackupFileError(`${opened.file} is damaged (truncated or altered): its checksum does not match. Nothing was changed; use another backup.`);
  }
}

/**
 * The body's plaintext lines, decrypted and gunzipped as they are read. The GCM tag is checked at
 * the end: consumers must treat the lines as unproven until the stream ends without error (restore
 * checks the whole file once before it changes anything).
 */
export async function openBody(opened: OpenedBackup, secretKey: Buffer): Promise<Readable> {
  const { header } = opened;
  const tag = await readRange(opened.file, opened.bodyEnd, opened.bodyEnd + TAG_BYTES - 1);
  const decipher = createDecipheriv("aes-256-gcm", fileKey(secretKey, Buffer.from(header.salt, "base64")), Buffer.from(header.iv, "base64"));
  decipher.setAAD(opened.preamble);
  decipher.setAuthTag(tag);
  const source = createReadStream(opened.file, { start: opened.bodyStart, end: opened.bodyEnd - 1 });
  const gunzip = createGunzip();
  const out = new PassThrough();
  // Whatever fails (a wrong key shows as a failing tag or as gzip garbage), the reader hears one cause.
  const fail = (error: Error) => {
    if (out.destroyed) return;
    out.destroy(
      new BackupFileError(
        `${opened.file} cannot be authenticated with this key, or is damaged (${error.message}). Nothing was changed; use another backup, or the key it was made with.`,
        { cause: error },
      ),
    );
  };
  source.on("error", fail);
  decipher.on("error", fail);
  gunzip.on("error", fail);
  source.pipe(decipher).pipe(gunzip).pipe(out);
  return out;
}

/** Splits a stream into lines (the body's lines never hold a raw newline: JSON escapes them). */
export async function* lines(stream: Readable): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream) {
    rest += (chunk as Buffer).toString("utf8");
    let at: number;
    while ((at = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
  if (rest) yield rest;
}

/** Reads the whole body once: it authenticates, and holds exactly the rows the header counts. */
export async function verifyBody(opened: OpenedBackup, secretKey: Buffer): Promise<void> {
  const counts = new Map<string, number>();
  let table: string | null = null;
  let ended = false;
  for await (const line of lines(await openBody(opened, secretKey))) {
    const marker = parseMarker(line);
    if (marker?.end) ended = true;
    else if (marker?.table) table = marker.table;
    else if (table) counts.set(table, (counts.get(table) ?? 0) + 1);
  }
  const expected = opened.header.tables;
  const wrong = Object.keys(expected).filter((name) => (counts.get(name) ?? 0) !== expected[name]);
  if (!ended || wrong.length > 0) {
    throw new BackupFileError(
      `${opened.file} is incomplete (${wrong.length ? `rows missing in ${wrong.join(", ")}` : "no end marker"}). Nothing was changed; use another backup.`,
    );
  }
}

export interface Marker {
  table?: string;
  end?: boolean;
}

/** Lines of the body: a marker line {"@table": name} opens a table's rows; {"@end": true} closes the body. */
export function tableMarker(table: string): string {
  return JSON.stringify({ "@table": table });
}
export const END_MARKER = JSON.stringify({ "@end": true });

export function parseMarker(line: string): Marker | null {
  if (!line.startsWith('{"@')) return null;
  const value = JSON.parse(line) as Record<string, unknown>;
  if (typeof value["@table"] === "string") return { table: value["@table"] };
  if (value["@end"] === true) return { end: true };
  return null;
}
