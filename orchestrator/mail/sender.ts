// Delivers the outbox: claims due messages one at a time (SKIP LOCKED, so several senders may
// run), sends them, and records the outcome. A failure puts the message back with a growing
// delay; after `maxAttempts` it is marked failed for the admin, who can retry it. Once delivered,
// the secret parts of a message are cut out and its bodies kept in clear.
import type { EmailOutbox, PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { retryDelayMs, type BackoffPolicy } from "../jobs/backoff.ts";
import { idleTimer } from "../jobs/idle-timer.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { redactSecrets, type SecretBox } from "../secrets.ts";
import { sealedContext } from "./outbox.ts";
import { PASSWORD_PLACEHOLDER } from "./templates/index.ts";
import { PermanentMailError, type MailTransport } from "./transports.ts";

export interface MailSenderOptions {
  prisma: PrismaClient;
  secretBox: SecretBox;
  transport: MailTransport;
  from: string;
  clock: Clock;
  logger: OrchestratorLogger;
  maxAttempts: number;
  backoff: BackoffPolicy;
  pollIntervalMs: number;
  /** A message claimed by a sender that died is sent again after this long. */
  leaseMs?: number;
}

export interface MailSender {
  /** Sends every message that is due now; resolves with how many were delivered. */
  drain(): Promise<number>;
  wake(): void;
  stop(): Promise<void>;
}

/** Delivers what is due each time `drain` is called (no background loop). */
export function mailDelivery(options: MailSenderOptions): { drain(): Promise<number> } {
  return { drain: () => deliverDue(options) };
}

/** Delivers the outbox in the background, every `pollIntervalMs`, until stopped. */
export function startMailSender(options: MailSenderOptions): MailSender {
  let stopped = false;
  const timer = idleTimer();
  const { drain } = mailDelivery(options);
  const loop = (async () => {
    while (!stopped) {
      try {
        await drain();
      } catch (error) {
        options.logger.error("the mail sender could not read the outbox", { error });
      }
      await timer.idle(options.pollIntervalMs);
    }
  })();
  return {
    drain,
    wake: () => timer.wake(),
    async stop() {
      stopped = true;
      timer.wake();
      await loop;
      options.transport.close();
    },
  };
}

async function deliverDue(options: MailSenderOptions): Promise<number> {
  let delivered = 0;
  for (;;) {
    const message = await claimDue(options);
    if (!message) return delivered;
    if (await deliver(options, message)) delivered += 1;
  }
}

async function claimDue({ prisma, clock, leaseMs = 120_000 }: MailSenderOptions): Promise<EmailOutbox | null> {
  const now = clock.now();
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE "EmailOutbox" SET status = 'sending', attempts = attempts + 1, "nextAttemptAt" = ${new Date(now.getTime() + leaseMs)}
     WHERE id = (
       SELECT id FROM "EmailOutbox"
        WHERE status IN ('pending', 'sending') AND "nextAttemptAt" <= ${now}
        ORDER BY "createdAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  const id = rows[0]?.id;
  return id ? prisma.emailOutbox.findUnique({ where: { id } }) : null;
}

async function deliver(options: MailSenderOptions, message: EmailOutbox): Promise<boolean> {
  const { prisma, secretBox: box, clock, logger } = options;
  const context = sealedContext(message.idempotencyKey);
  const secrets: string[] = message.sealedSecrets ? JSON.parse(box.decrypt(message.sealedSecrets, `${context}/secrets`)) : [];
  const text = message.encrypted ? box.decrypt(message.bodyText, `${context}/text`) : message.bodyText;
  const html = message.encrypted ? box.decrypt(message.bodyHtml, `${context}/html`) : message.bodyHtml;
  try {
    await options.transport.send({
      from: options.from,
      to: message.toAddress,
      subject: message.subject,
      text,
      html,
      messageId: `<${message.idempotencyKey.replace(/[^A-Za-z0-9.:-]/g, "-")}@tenantry>`,
    });
  } catch (caught) {
    const reason = redactSecrets(caught instanceof Error ? caught.message : String(caught), secrets);
    const giveUp = caught instanceof PermanentMailError || message.attempts >= options.maxAttempts;
    await prisma.emailOutbox.update({
      where: { id: message.id },
      data: giveUp
        ? { status: "failed", lastError: reason }
        : {
            status: "pending",
            lastError: reason,
            nextAttemptAt: new Date(clock.now().getTime() + retryDelayMs(message.attempts, options.backoff)),
          },
    });
    logger.warn(giveUp ? "email failed for good; an admin can retry it" : "email not delivered yet; will retry", {
      emailId: message.id,
      purpose: message.purpose,
      attempt: message.attempts,
      reason,
      transport: options.transport.description,
    });
    return false;
  }
  // Delivered: keep what was sent, minus its secrets.
  await prisma.emailOutbox.update({
    where: { id: message.id },
    data: {
      status: "sent",
      sentAt: clock.now(),
      lastError: null,
      encrypted: false,
      sealedSecrets: null,
      bodyText: redactSecrets(text, secrets, PASSWORD_PLACEHOLDER),
      bodyHtml: redactSecrets(html, secrets, PASSWORD_PLACEHOLDER),
    },
  });
  logger.info("email delivered", { emailId: message.id, purpose: message.purpose, transport: options.transport.description });
  return true;
}
