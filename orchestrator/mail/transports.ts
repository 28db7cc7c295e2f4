// Where messages go: an SMTP server (nodemailer), or, when none is configured, the development
// mailbox: a folder of JSON files that `npm run mailbox` lists, so the quick start shows the
// credentials without any mail server.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";

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

export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  const target = new URL(url);
  return {
    description: `SMTP ${target.hostname}:${target.port || (target.protocol === "smtps:" ? 465 : 587)}`,
    async send(envelope) {
      try {
        await transporter.sendMail(envelope);
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) {
          throw new PermanentMailError(`the SMTP server refused the message (${code}): ${(error as Error).message}`, { cause: error });
        }
        throw error;
      }
    },
    close: () => transporter.close(),
  };
}

export interface StoredMail extends MailEnvelope {
  date: string;
}

export function devMailboxTransport(dir: string): MailTransport {
  return {
    description: `development mailbox in ${dir}`,
    async send(envelope) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const date = new Date().toISOString();
      const file = path.join(dir, `${date.replace(/[:.]/g, "-")}-${envelope.messageId.replace(/[^A-Za-z0-9]/g, "").slice(0, 40)}.json`);
      await writeFile(file, JSON.stringify({ ...envelope, date } satisfies StoredMail, null, 2), { mode: 0o600 });
    },
    close() {},
  };
}

/** The development mailbox's messages, oldest first. */
export async function readDevMailbox(dir: string): Promise<StoredMail[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), "utf8")) as StoredMail));
}
