// Where messages go: an SMTP server (nodemailer), or, when none is configured, the development
// mailbox (orchestrator/mail/dev-mailbox.ts: encrypted files that `npm run mailbox` lists, so the
// quick start shows the credentials without any mail server).
import nodemailer from "nodemailer";
import SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { OrchestratorSetting } from "../errors.ts";

export interface MailEnvelope {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Derived from the idempotency key: a receiver can recognise a message it already has. */
  messageId: string;
}

export interface MailTransport {
  readonly description: string;
  send(envelope: MailEnvelope): Promise<void>;
  close(): void;
}

/** Thrown for a refusal that retrying will not change (an SMTP 5xx answer). */
export class PermanentMailError extends Error {
  override name = "PermanentMailError";
}

/**
 * The SMTP settings are wrong (a certificate that does not verify, credentials refused, a host
 * that does not exist): no retry can help, so the message fails at once with what to fix.
 */
export class MailConfigurationError extends PermanentMailError {
  override name = "MailConfigurationError";
  /** The setting to fix (see OrchestratorSetting): the portal names it in its own terms. */
  readonly setting = "mail.smtp" satisfies OrchestratorSetting;
}

/**
 * nodemailer's own waits, set explicitly (its defaults go up to an hour of silence) and all
 * shorter than the outbox sender's lease (120 s): a live sender ends its send, or gives up on it,
 * well before its message could be taken over.
 */
export const SMTP_TIMEOUTS = {
  dnsTimeout: 30_000,
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
} as const;

/** Every message says it was sent by a program, so auto-responders do not answer it (RFC 3834). */
export const AUTOMATED_HEADERS = { "Auto-Submitted": "auto-generated" } as const;

export function smtpTransport(url: string, timeouts: Partial<typeof SMTP_TIMEOUTS> = {}): MailTransport {
  // Options given in the URL's query (e.g. ?socketTimeout=…) still win over these.
  const transporter = nodemailer.createTransport(new SMTPTransport({ url, ...SMTP_TIMEOUTS, ...timeouts }));
  const target = new URL(url);
  const description = `SMTP ${target.hostname}:${target.port || (target.protocol === "smtps:" ? 465 : 587)}`;
  return {
    description,
    async send(envelope) {
      try {
        await transporter.sendMail({ ...envelope, headers: AUTOMATED_HEADERS });
      } catch (error) {
        throw classifySmtpError(error, target);
      }
    },
    close: () => transporter.close(),
  };
}

const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Sorts a failed send: configuration errors and 5xx refusals are permanent, anything else
 * (connection refused, timeouts, 4xx) passes. nodemailer replaces a TLS error's code by ESOCKET,
 * so the certificate codes are also looked for in the message. Never carries the password.
 */
function classifySmtpError(error: unknown, target: URL): Error {
  const failure = error as { code?: string; responseCode?: number; message?: string; reason?: string };
  const message = String(failure.message ?? error);
  const where = `${target.hostname}:${target.port || (target.protocol === "smtps:" ? 465 : 587)}`;
  const certificateCode = [...CERTIFICATE_CODES].find((code) => failure.code === code || message.includes(code));
  if (certificateCode || /self[- ]signed certificate|unable to verify the first certificate|certificate has expired|does not match certificate's altnames/i.test(message)) {
    return new MailConfigurationError(
      `The certificate of the mail server ${where} does not verify (${message}). ` +
        `If the server uses a private certificate authority, start Tenantry with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; ` +
        `otherwise put in the SMTP URL the host name its certificate names.`,
      { cause: error },
    );
  }
  if (failure.code === "EAUTH") {
    return new MailConfigurationError(
      `The mail server ${where} refused the user name or password (${message}). Fix the credentials in the SMTP URL.`,
      { cause: error },
    );
  }
  if (failure.code === "EDNS" && /ENOTFOUND/.test(message)) {
    return new MailConfigurationError(
      `The mail server's host name ${target.hostname} does not exist (${message}). Fix the host in the SMTP URL.`,
      { cause: error },
    );
  }
  if (failure.responseCode !== undefined && failure.responseCode >= 500) {
    return new PermanentMailError(`the SMTP server refused the message (${failure.responseCode}): ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(message);
}
