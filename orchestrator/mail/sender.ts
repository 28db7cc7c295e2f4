// Delivers the outbox: claims due messages one at a time (SKIP LOCKED, so several senders may
// run), sends them, and records the outcome. A failure puts the message back with a growing
// delay; after `maxAttempts` it is marked failed for the admin, who can retry it. Once delivered,
// the secret parts of a message are cut out and its bodies kept in clear.
//
// Each claim writes a new lease token, and every later update names it (id + token): a sender
// whose message was taken over records nothing. The sender renews its lease while a send is in
// flight, and the SMTP transport's own timeouts are shorter than the lease, so only a dead
// sender's message is ever taken over. Errors no retry can fix fail the message at once: a body
// the key cannot decrypt, and wrong SMTP settings (reported once in the log, with what to fix).
import type { EmailOutbox, Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import { retryDelayMs, type BackoffPolicy } from "../jobs/backoff.ts";
import { startHeartbeat } from "../jobs/heartbeat.ts";
import { claimOldestDue } from "../jobs/outbox-claim.ts";
import { idleTimer } from "../jobs/idle-timer.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { redactSecrets, type SecretBox } from "../secrets.ts";
import { messageIdFor, sealedContext } from "./outbox.ts";
import { PASSWORD_PLACEHOLDER } from "./templates/index.ts";
import { MailConfigurationError, PermanentMailError, type MailTransport } from "./transports.ts";

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
  /**
   * A message claimed by a sender that died is sent again after this long (default 120 s, longer
   * than every SMTP timeout); a live sender renews it every third of it while it sends.
   */
  leaseMs?: number;
}

export const DEFAULT_MAIL_LEASE_MS = 120_000;

export interface MailSender {
  /** Sends every message that is due now; resolves with how many were delivered. */
  drain(): Promise<number>;
  wake(): void;
  stop(): Promise<void>;
}

/** Delivers what is due each time `drain` is called (no background loop). */
export function mailDelivery(options: MailSenderOptions): { drain(): Promise<number> } {
  const state: SenderState = { reportedConfigurationError: null };
  return { drain: () => deliverDue(options, state) };
}

/**
 * Delivers the outbox in the background, every `pollIntervalMs`, until stopped. `stop` claims no
 * further message; the one being sent finishes and is recorded.
 */
export function startMailSender(options: MailSenderOptions): MailSender {
  let stopped = false;
  const timer = idleTimer();
  const state: SenderState = { reportedConfigurationError: null };
  const drain = () => deliverDue(options, state);
  const loop = (async () => {
    while (!stopped) {
      try {
        await deliverDue(options, state, () => !stopped);
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

interface SenderState {
  /** The configuration error last logged: logged once, not once per message. */
  reportedConfigurationError: string | null;
}

interface Claimed {
  message: EmailOutbox;
  /** Every update of this claim is guarded by id + token. */
  guard: Prisma.EmailOutboxWhereInput & { id: string };
}

async function deliverDue(options: MailSenderOptions, state: SenderState, keepGoing: () => boolean = () => true): Promise<number> {
  let delivered = 0;
  for (;;) {
    if (!keepGoing()) return delivered;
    const claimed = await claimDue(options);
    if (!claimed) return delivered;
    if (await deliver(options, state, claimed)) delivered += 1;
  }
}

async function claimDue({ prisma, clock, leaseMs = DEFAULT_MAIL_LEASE_MS }: MailSenderOptions): Promise<Claimed | null> {
  const claim = await claimOldestDue(prisma, "EmailOutbox", clock.now(), leaseMs);
  if (!claim) return null;
  const guard = { id: claim.id, leaseToken: claim.token, status: "sending" as const };
  const message = await prisma.emailOutbox.findFirst({ where: guard });
  return message ? { message, guard } : null;
}

interface OpenedMessage {
  secrets: string[];
  text: string;
  html: string;
}

function open(box: SecretBox, message: EmailOutbox): OpenedMessage {
  const context = sealedContext(message.idempotencyKey);
  return {
    secrets: message.sealedSecrets ? JSON.parse(box.decrypt(message.sealedSecrets, `${context}/secrets`)) : [],
    text: message.encrypted ? box.decrypt(message.bodyText, `${context}/text`) : message.bodyText,
    html: message.encrypted ? box.decrypt(message.bodyHtml, `${context}/html`) : message.bodyHtml,
  };
}

async function deliver(options: MailSenderOptions, state: SenderState, { message, guard }: Claimed): Promise<boolean> {
  const { prisma, clock, logger } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_MAIL_LEASE_MS;
  const fields = { emailId: message.id, purpose: message.purpose, attempt: message.attempts };
  const record = async (data: Prisma.EmailOutboxUpdateManyMutationInput, what: string) => {
    const { count } = await prisma.emailOutbox.updateMany({ where: guard, data });
    if (count === 0) logger.warn(`email taken over by another sender; not recording that it ${what}`, fields);
    return count === 1;
  };

  let opened: OpenedMessage;
  try {
    opened = open(options.secretBox, message);
  } catch {
    // Retrying cannot help: only the key it was sealed with opens it.
    const reason =
      "This message cannot be decrypted with the current secrets key: it was queued under another key " +
      "(the secrets key changed since). Restore that key and retry it, " +
      "or send the customer new credentials from the console.";
    await record({ status: "failed", lastError: reason, leaseToken: null }, "failed");
    logger.error("email failed for good: it cannot be decrypted with the current secrets key", { ...fields, setting: "secrets.key" });
    return false;
  }
  const { secrets, text, html } = opened;

  // While the send runs, the lease is renewed: a slow SMTP server never hands the message to another sender.
  const heartbeat = startHeartbeat(Math.max(100, Math.floor(leaseMs / 3)), async () => {
    try {
      await prisma.emailOutbox.updateMany({
        where: guard,
        data: { nextAttemptAt: new Date(clock.now().getTime() + leaseMs) },
      });
    } catch (error) {
      logger.warn("could not renew an email's lease", { ...fields, error });
    }
  });
  try {
    await options.transport.send({
      from: options.from,
      to: message.toAddress,
      subject: message.subject,
      text,
      html,
      messageId: messageIdFor(message.idempotencyKey, options.from),
    });
  } catch (caught) {
    const reason = redactSecrets(caught instanceof Error ? caught.message : String(caught), secrets);
    const giveUp = caught instanceof PermanentMailError || message.attempts >= options.maxAttempts;
    await record(
      giveUp
        ? { status: "failed", lastError: reason, leaseToken: null }
        : {
            status: "pending",
            lastError: reason,
            leaseToken: null,
            nextAttemptAt: new Date(clock.now().getTime() + retryDelayMs(message.attempts, options.backoff)),
          },
      giveUp ? "failed" : "will be retried",
    );
    if (caught instanceof MailConfigurationError) {
      if (state.reportedConfigurationError !== reason) {
        state.reportedConfigurationError = reason;
        logger.error("the SMTP settings are wrong; emails fail until they are fixed (then retry them from the console)", {
          reason,
          transport: options.transport.description,
          setting: caught.setting,
        });
      }
      return false;
    }
    logger.warn(giveUp ? "email failed for good; an admin can retry it" : "email not delivered yet; will retry", {
      ...fields,
      reason,
      transport: options.transport.description,
    });
    return false;
  } finally {
    heartbeat.stop();
  }
  state.reportedConfigurationError = null;
  // Delivered: keep what was sent, minus its secrets.
  const recorded = await record(
    {
      status: "sent",
      sentAt: clock.now(),
      lastError: null,
      leaseToken: null,
      encrypted: false,
      sealedSecrets: null,
      bodyText: redactSecrets(text, secrets, PASSWORD_PLACEHOLDER),
      bodyHtml: redactSecrets(html, secrets, PASSWORD_PLACEHOLDER),
    },
    "was delivered",
  );
  if (recorded) logger.info("email delivered", { emailId: message.id, purpose: message.purpose, transport: options.transport.description });
  return recorded;
}
