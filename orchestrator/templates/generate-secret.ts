// Secrets a template declares ("generated-secret" variables). Generated once per tenant, then
// stored encrypted and reused: PostgreSQL keeps the password it was initialised with, so a
// regenerated one would lock the app out of its own database.
import { randomBytes } from "node:crypto";
import type { SecretGeneration } from "./manifest.ts";

/**
 * A new random secret as the manifest asks. Both encodings use only [0-9a-zA-Z_-], so the value
 * needs no quoting in URLs, YAML, shells or connection strings (base64url without padding).
 */
export function generateSecret(spec: SecretGeneration, random: (size: number) => Buffer = randomBytes): string {
  const bytes = random(spec.bytes);
  return spec.encoding === "hex" ? bytes.toString("hex") : bytes.toString("base64url");
}
