// `npm run doctor`'s key check: decrypts one stored sample with the configured secrets key (a
// tenant secret, else a sealed email of the outbox), so a wrong or lost key is found before a
// provisioning or an email fails on it. Nothing decrypted is returned or printed. While a key
// rotation is in progress the key opens values under either key, as the portal's does; a key that
// a completed rotation retired is reported as such.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { sealedContext } from "../mail/outbox.ts";
import { SecretBox } from "../secrets.ts";
import { applyRotation } from "../secrets-rotation/keyring.ts";
import type { CheckFailure } from "./engine-check.ts";

export interface SecretsCheckReport {
  /** What was tried ("tenant secret POSTGRES_PASSWORD of tenant …"); null when nothing is stored. */
  sample: string | null;
  failure: CheckFailure | null;
  /** A rotation in progress ("to the key <fingerprint>"), null when none. */
  rotation: string | null;
  /** The key cannot take part at all (retired by a completed rotation, or foreign to the one in progress). */
  unusable?: true;
}

export async function checkSecretsKey(prisma: PrismaClient, key: Buffer): Promise<SecretsCheckReport> {
  const box = new SecretBox(key);
  const state = await applyRotation(prisma, box);
  if (state.kind === "unusable") return { sample: null, failure: { message: state.message, setting: "secrets.key" }, rotation: null, unusable: true };
  const rotation = state.kind === "rotating" ? `to the key ${state.newKeyFingerprint}` : null;
  const secret = await prisma.tenantSecret.findFirst({ orderBy: { createdAt: "desc" }, select: { tenantId: true, name: true, ciphertext: true } });
  if (secret) {
    const sample = `tenant secret ${secret.name} of tenant ${secret.tenantId}`;
    return { ...attempt(sample, () => box.decrypt(secret.ciphertext, `${secret.tenantId}/${secret.name}`)), rotation };
  }
  const email = await prisma.emailOutbox.findFirst({ where: { encrypted: true }, orderBy: { createdAt: "desc" }, select: { id: true, idempotencyKey: true, bodyText: true } });
  if (email) {
    return { ...attempt(`sealed email ${email.id} of the outbox`, () => box.decrypt(email.bodyText, `${sealedContext(email.idempotencyKey)}/text`)), rotation };
  }
  return { sample: null, failure: null, rotation };
}

function attempt(sample: string, decrypt: () => string): Omit<SecretsCheckReport, "rotation"> {
  try {
    decrypt();
    return { sample, failure: null };
  } catch (error) {
    return { sample, failure: { message: error instanceof Error ? error.message : String(error), setting: "secrets.key" } };
  }
}
