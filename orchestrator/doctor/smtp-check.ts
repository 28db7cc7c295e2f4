// `npm run doctor`'s mail check: connects to the SMTP server and logs in (nodemailer's verify()),
// sending nothing. The answer says what is wrong in words an operator can act on; it never carries
// the password (only the host and port are named).
import nodemailer from "nodemailer";
import SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { SMTP_TIMEOUTS } from "../mail/transports.ts";
import type { CheckFailure } from "./engine-check.ts";

export interface SmtpCheckReport {
  /** "SMTP host:port": no user name, no password. */
  description: string;
  failure: CheckFailure | null;
}

export async function checkSmtp(url: string, timeoutMs = 15_000): Promise<SmtpCheckReport> {
  const target = new URL(url);
  const where = `${target.hostname}:${target.port || (target.protocol === "smtps:" ? 465 : 587)}`;
  const transporter = nodemailer.createTransport(
    new SMTPTransport({ url, ...SMTP_TIMEOUTS, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs }),
  );
  try {
    await transporter.verify();
    return { description: `SMTP ${where}`, failure: null };
  } catch (error) {
    return { description: `SMTP ${where}`, failure: { message: describeFailure(error, where, url), setting: "mail.smtp" } };
  } finally {
    transporter.close();
  }
}

function describeFailure(error: unknown, where: string, url: string): string {
  const failure = error as { code?: string; message?: string };
  const password = decodeURIComponent(new URL(url).password);
  const raw = String(failure.message ?? error);
  const said = password.length >= 4 ? raw.split(password).join("***") : raw;
  if (failure.code === "EAUTH") return `the mail server ${where} refused the user name or password (${said})`;
  if (failure.code === "ECONNECTION" || failure.code === "ETIMEDOUT" || failure.code === "ESOCKET") {
    if (/certificate|self[- ]signed|altnames/i.test(said)) return `the certificate of the mail server ${where} does not verify (${said})`;
    return `the mail server ${where} does not answer (${said})`;
  }
  if (failure.code === "EDNS") return `the mail server's host name does not resolve (${said})`;
  return `the mail server ${where} failed the check (${said})`;
}
