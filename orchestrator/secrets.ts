// Tenant secrets (database password, application key, initial password): generated once per
// tenant (templates/generate-secret.ts, as the manifest asks), stored encrypted with AES-256-GCM,
// decrypted only where they are used. The key comes from configuration, or from a key file that
// is created with mode 0600 on first use. During a key rotation (orchestrator/secrets-rotation/)
// a SecretBox holds two keys: it encrypts with the incoming one and opens values sealed with either.
// Anything newly sealed with this key needs its pass in orchestrator/secrets-rotation/kinds.ts.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "../prisma/generated/client.ts";
import type { OrchestratorSetting } from "./errors.ts";

const FORMAT = "v1";
const KEY_BYTES = 32;

export class SecretKeyError extends Error {
  override name = "SecretKeyError";
  /** The setting to fix (see OrchestratorSetting): the portal names it in its own terms. */
  readonly setting = "secrets.key" satisfies OrchestratorSetting;
}

/**
 * Encrypts and decrypts secrets; `context` (tenant and name) is authenticated with each value.
 * It encrypts with its current key and decrypts with the current key or any key it accepts
 * (the other key of a rotation in progress).
 */
export class SecretBox {
  #current: Buffer;
  readonly #accepted = new Map<string, Buffer>();
  #onDecryptFailure: (() => void) | null = null;

  constructor(key: Buffer) {
    this.#current = checkedKey(key);
  }

  /** The fingerprint of the key new values are encrypted with. */
  get fingerprint(): string {
    return keyFingerprint(this.#current);
  }

  /**
   * The key new values are encrypted with, for what seals whole files under a key derived from it
   * (portal backups): a backup taken after the process learnt of a rotation follows it.
   */
  currentKey(): Buffer {
    return this.#current;
  }

  /** Whether this box holds the key with this fingerprint (current or accepted). */
  holds(fingerprint: string): boolean {
    return this.fingerprint === fingerprint || this.#accepted.has(fingerprint);
  }

  /** Opens values sealed with `key` too (the other key of a rotation). */
  accept(key: Buffer): void {
    const fingerprint = keyFingerprint(checkedKey(key));
    if (fingerprint !== this.fingerprint) this.#accepted.set(fingerprint, key);
  }

  /** Encrypts with `key` from now on; the key used so far is still accepted for decrypting. */
  switchTo(key: Buffer): void {
    const fingerprint = keyFingerprint(checkedKey(key));
    if (fingerprint === this.fingerprint) return;
    this.#accepted.set(this.fingerprint, this.#current);
    this.#accepted.delete(fingerprint);
    this.#current = key;
  }

  /** Called (once per failure, never with anything secret) when no key held opens a value. */
  onDecryptFailure(listener: (() => void) | null): void {
    this.#onDecryptFailure = listener;
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#current, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(":");
  }

  decrypt(sealed: string, context: string): string {
    const [format, iv, tag, ciphertext] = sealed.split(":");
    if (format !== FORMAT || !iv || !tag || ciphertext === undefined) {
      throw new SecretKeyError("a stored secret is not in the v1 format; it cannot be decrypted");
    }
    let failure: unknown;
    for (const key of [this.#current, ...this.#accepted.values()]) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
      } catch (error) {
        failure = error;
      }
    }
    this.#onDecryptFailure?.();
    throw new SecretKeyError(
      "a stored secret could not be decrypted: the secrets key is not the one it was encrypted with " +
        "(restore the key Tenantry had when the secret was stored)",
      { cause: failure },
    );
  }

  /** Whether `sealed` opens with the current key alone (a rotation's "already done"). */
  opensWithCurrentKey(sealed: string, context: string): boolean {
    const alone = new SecretBox(this.#current);
    try {
      alone.decrypt(sealed, context);
      return true;
    } catch {
      return false;
    }
  }
}

function checkedKey(key: Buffer): Buffer {
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secrets key must be ${KEY_BYTES} bytes, not ${key.length}`);
  return key;
}

/** A new random key, as written in a key file (64 hex digits). */
export function newSecretKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The key as a key file holds it and the configuration takes it: 64 hex digits. */
export function formatSecretKey(key: Buffer): string {
  return checkedKey(key).toString("hex");
}

/**
 * A short name for a key that reveals nothing of it (a hash of a key derived for this purpose only):
 * recorded beside what a key sealed (rotations, portal backups) so an operator can tell which key
 * opens what.
 */
export function keyFingerprint(key: Buffer): string {
  const derived = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "tenantry key fingerprint", 32));
  return createHash("sha256").update(derived).digest("hex").slice(0, 16);
}

/** Reads a key given in configuration: 32 bytes as 64 hex digits or as base64. */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError("the secrets key must be 32 bytes, written as 64 hex digits or in base64 (openssl rand -hex 32)");
  }
  return key;
}

/** The key in `file`, created (random, mode 0600) when the file does not exist yet. */
export async function loadOrCreateKeyFile(file: string): Promise<Buffer> {
  await mkdir(path.dirname(file), { recursive: true });
  try {
    const handle = await open(file, "wx", 0o600);
    try {
      await handle.writeFile(formatSecretKey(newSecretKey()) + "\n");
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // The umask could have widened the mode of a file we created; never leave the key readable.
  await chmod(file, 0o600);
  return parseSecretKey(await readFile(file, "utf8"));
}

/** What a tenant secret is sealed with (authenticated with the value): its tenant and its name. */
export function tenantSecretContext(tenantId: string, name: string): string {
  return `${tenantId}/${name}`;
}

/**
 * The tenant's secret `name`: decrypted from the database, or generated, encrypted and stored the
 * first time. Never regenerated: a database cluster keeps the first password it was given.
 */
export async function tenantSecret(
  prisma: PrismaClient,
  box: SecretBox,
  tenantId: string,
  name: string,
  generate: () => string,
): Promise<string> {
  const context = tenantSecretContext(tenantId, name);
  const existing = await prisma.tenantSecret.findUnique({ where: { tenantId_name: { tenantId, name } } });
  if (existing) return box.decrypt(existing.ciphertext, context);
  const value = generate();
  try {
    await prisma.tenantSecret.create({ data: { tenantId, name, ciphertext: box.encrypt(value, context) } });
    return value;
  } catch (error) {
    // Another worker stored it first (unique tenantId+name): theirs is the one.
    if ((error as { code?: string }).code !== "P2002") throw error;
    const stored = await prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
    return box.decrypt(stored.ciphertext, context);
  }
}

/** Replaces every occurrence of the given secrets in a text (error messages, logs) by "***". */
export function redactSecrets(text: string, secrets: Iterable<string>, replacement = "***"): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join(replacement);
  return out;
}
