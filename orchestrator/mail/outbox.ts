// The email outbox. A message is written in the same transaction as the state change that causes
// it (a tenant becoming active, a password being reset), under an idempotency key that makes a
// second write of the same message a no-op. Bodies that carry a secret are stored encrypted,
// together with the list of those secrets (also encrypted) so that the sender can cut them out
// once the message is delivered.
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

/** A failed message goes back to the queue (for the admin's "retry"). */
export async function retryFailedEmail(prisma: PrismaClient, id: string, now = new Date()): Promise<boolean> {
  const { count } = await prisma.emailOutbox.updateMany({
    where: { id, status: "failed" },
    data: { status: "pending", attempts: 0, nextAttemptAt: now, lastError: null },
  });
  return count === 1;
}
