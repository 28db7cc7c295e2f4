// The email outbox. A message is written in the same transaction as the state change that causes
// it (a tenant becoming active, a password being reset), under an idempotency key that makes a
// second write of the same message a no-op. Bodies that carry a secret are stored encrypted,
// together with the list of those secrets (also encrypted) so that the sender can cut them out
// once the message is delivered.
import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { SecretBox } from "../secrets.ts";
import { escapeHtml, renderEmail, secretFieldsOf, type EmailLocale, type EmailMessageInput } from "./templates/index.ts";

export interface OutgoingEmail {
  /** One message per key, ever: e.g. "credentials:<tenant id>". */
  idempotencyKey: string;
  tenantId?: string;
  to: string;
  locale: EmailLocale;
  message: EmailMessageInput;
}

/** The row to insert; pass it to `enqueueEmail` inside the caller's transaction. */
export function outboxRow(box: SecretBox, email: OutgoingEmail): Prisma.EmailOutboxCreateManyInput {
  const rendered = renderEmail(email.message, email.locale);
  const secrets = secretFieldsOf(email.message);
  const sealed = secrets.length > 0;
  const context = sealedContext(email.idempotencyKey);
  // A secret may appear escaped in the HTML part (a password with & or <): cut out both forms.
  const secretForms = [...new Set(secrets.flatMap((secret) => [secret, escapeHtml(secret)]))];
  return {
    idempotencyKey: email.idempotencyKey,
    purpose: email.message.purpose,
    tenantId: email.tenantId ?? null,
    toAddress: email.to,
    locale: email.locale,
    subject: rendered.subject,
    bodyText: sealed ? box.encrypt(rendered.text, `${context}/text`) : rendered.text,
    bodyHtml: sealed ? box.encrypt(rendered.html, `${context}/html`) : rendered.html,
    encrypted: sealed,
    sealedSecrets: sealed ? box.encrypt(JSON.stringify(secretForms), `${context}/secrets`) : null,
  };
}

/** Adds the message unless one with the same key exists (ON CONFLICT DO NOTHING: safe in a transaction). */
export function enqueueEmail(prisma: PrismaClient | Prisma.TransactionClient, box: SecretBox, email: OutgoingEmail) {
  return prisma.emailOutbox.createMany({ data: [outboxRow(box, email)], skipDuplicates: true });
}

export function sealedContext(idempotencyKey: string): string {
  return `outbox/${idempotencyKey}`;
}

/**
 * The Message-ID of the message with this key: the same at every attempt (a receiver recognises a
 * message it already has), and a valid RFC 5322 msg-id: a dot-atom made of the key's letters,
 * digits and dashes (anything else, such as the ":" of "credentials:<id>", becomes a dot), then a
 * hash of the whole key so that two keys never share it, "@" the sender's domain.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const readable = idempotencyKey
    .replace(/[^A-Za-z0-9-]+/g, ".")
    .slice(0, 80)
    .replace(/^\.+|\.+$/g, "");
  const hash = createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 16);
  const domain = /@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>?\s*$/.exec(from)?.[1] ?? "tenantry.invalid";
  return `<${readable ? `${readable}.` : ""}${hash}@${domain}>`;
}

/** A failed message goes back to the queue (for the admin's "retry"). */
export async function retryFailedEmail(prisma: PrismaClient, id: string, now = new Date()): Promise<boolean> {
  const { count } = await prisma.emailOutbox.updateMany({
    where: { id, status: "failed" },
    data: { status: "pending", attempts: 0, nextAttemptAt: now, lastError: null, leaseToken: null },
  });
  return count === 1;
}
