// The development mailbox: where email goes while no SMTP server is configured, so the quick start
// shows the credentials without any mail server (`npm run mailbox`, the console's Mailbox page).
// Messages carry customers' temporary passwords, so each file is encrypted with the secrets key
// (SecretBox, bound to the file's name) and every file older than the retention time is deleted
// whenever the mailbox is written or read. Older plain-JSON files are still read until they expire.
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { SecretBox } from "../secrets.ts";
import type { MailEnvelope, MailTransport } from "./transports.ts";

/** How long a message stays in the development mailbox (3 days). */
export const DEV_MAILBOX_RETENTION_MS = 72 * 3_600_000;

const SEALED = ".mail";
const LEGACY_PLAIN = ".json";

export interface StoredMail extends MailEnvelope {
  date: string;
}

export interface DevMailboxOptions {
  retentionMs?: number;
  now?: () => Date;
}

/** What a mailbox file is sealed with: its name, so a file renamed or swapped does not open. */
export const devMailboxContext = (file: string) => `dev-mailbox:${file}`;

export function devMailboxTransport(dir: string, secretBox: SecretBox, options: DevMailboxOptions = {}): MailTransport {
  const now = options.now ?? (() => new Date());
  return {
    description: `development mailbox in ${dir} (encrypted, kept ${hours(options)} hours)`,
    async send(envelope) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await pruneDevMailbox(dir, options);
      const date = now().toISOString();
      const file = `${date.replace(/[:.]/g, "-")}-${envelope.messageId.replace(/[^A-Za-z0-9]/g, "").slice(0, 40)}${SEALED}`;
      const sealed = secretBox.encrypt(JSON.stringify({ ...envelope, date } satisfies StoredMail), devMailboxContext(file));
      await writeFile(path.join(dir, file), sealed, { mode: 0o600 });
    },
    close() {},
  };
}

/**
 * The development mailbox's messages, oldest first, decrypted with the secrets key. Expired files
 * are deleted first; a file the key cannot open (another key) is skipped.
 */
export async function readDevMailbox(dir: string, secretKey: Buffer | SecretBox, options: DevMailboxOptions = {}): Promise<StoredMail[]> {
  await pruneDevMailbox(dir, options);
  // A SecretBox: the orchestrator's, which also opens files sealed during a key rotation.
  const box = secretKey instanceof SecretBox ? secretKey : new SecretBox(secretKey);
  const files = (await listFiles(dir)).sort();
  const messages = await Promise.all(
    files.map(async (file): Promise<StoredMail | null> => {
      try {
        const content = await readFile(path.join(dir, file), "utf8");
        return JSON.parse(file.endsWith(SEALED) ? box.decrypt(content, devMailboxContext(file)) : content) as StoredMail;
      } catch {
        return null;
      }
    }),
  );
  return messages.filter((m): m is StoredMail => m !== null);
}

/** Deletes the messages older than the retention time; returns how many. */
export async function pruneDevMailbox(dir: string, options: DevMailboxOptions = {}): Promise<number> {
  const cutoff = (options.now?.() ?? new Date()).getTime() - (options.retentionMs ?? DEV_MAILBOX_RETENTION_MS);
  let removed = 0;
  for (const file of await listFiles(dir)) {
    const full = path.join(dir, file);
    const info = await stat(full).catch(() => null);
    if (info && info.mtimeMs < cutoff) {
      await rm(full, { force: true });
      removed++;
    }
  }
  return removed;
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(SEALED) || f.endsWith(LEGACY_PLAIN));
}

function hours(options: DevMailboxOptions): number {
  return Math.round((options.retentionMs ?? DEV_MAILBOX_RETENTION_MS) / 3_600_000);
}
