// `npm run notify:test`: sends a test notification to the operators through every configured
// channel (NOTIFY_EMAILS through the email outbox, NOTIFY_WEBHOOK_URL in NOTIFY_WEBHOOK_FORMAT),
// prints one line per channel, and exits non-zero when a channel failed. The emails it queues are
// delivered at once by this command (SMTP_URL, or the development mailbox: `npm run mailbox`).
// In mock mode (NOTIFY_MODE=mock, the default when no channel is set) nothing is sent: the
// notification is logged. The webhook's URL is never printed. With the embedded database, held by
// a running portal, the portal sends it (control channel) and its mail sender delivers the emails.
import type { openDatabaseFor } from "./boot.server";
import { openOperatorCommands } from "./control/operator-commands.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { settingHintLine } from "./setting-hints.server";

async function main() {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const commands = await openOperatorCommands(config, logger);
  try {
    const lines = await commands.sendTestNotification();
    const local = commands.local;
    if (local) {
      lines.push(...(await deliverQueuedEmails(local.database.prisma, () => local.orchestrator.startMailSender())));
    } else {
      lines.push(`(sent by ${commands.via}; its mail sender delivers the emails: see its Mailbox page)`);
    }
    for (const line of lines) console.log(line);
    if (lines.some((line) => line.startsWith("[mock]") || line.startsWith("[none]"))) {
      console.log(
        "To send for real, set NOTIFY_EMAILS (comma-separated addresses) and/or NOTIFY_WEBHOOK_URL " +
          "(with NOTIFY_WEBHOOK_FORMAT json, slack or teams, and NOTIFY_WEBHOOK_SECRET for json), and NOTIFY_MODE=send.",
      );
    }
    if (lines.some((line) => line.startsWith("[failed]"))) {
      console.log("A channel failed: check NOTIFY_WEBHOOK_URL and NOTIFY_WEBHOOK_FORMAT, or the mail settings (SMTP_URL), then run this again.");
      process.exitCode = 1;
    }
  } finally {
    await commands.close();
  }
}

type Prisma = Awaited<ReturnType<typeof openDatabaseFor>>["prisma"];

/** Delivers the test notification's emails now and says, per address, whether they left. */
async function deliverQueuedEmails(prisma: Prisma, startMailSender: () => { drain(): Promise<number>; stop(): Promise<void> }): Promise<string[]> {
  const test = await prisma.operatorNotification.findFirst({ where: { kind: "test" }, orderBy: { createdAt: "desc" }, select: { id: true } });
  if (!test) return [];
  const where = { idempotencyKey: { startsWith: `notify:${test.id}:` } };
  if ((await prisma.emailOutbox.count({ where })) === 0) return [];
  const sender = startMailSender();
  try {
    await sender.drain();
  } finally {
    await sender.stop();
  }
  const emails = await prisma.emailOutbox.findMany({ where, orderBy: { toAddress: "asc" }, select: { toAddress: true, status: true, lastError: true } });
  return emails.map((email) =>
    email.status === "sent"
      ? `[ok] email to ${email.toAddress}: delivered`
      : email.status === "sending"
        ? `[ok] email to ${email.toAddress}: being delivered by another process`
        : `[failed] email to ${email.toAddress}: not delivered yet (${email.status})${email.lastError ? `: ${email.lastError}` : ""}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `${error instanceof Error ? error.message : String(error)}${settingHintLine(error)}`);
  process.exitCode = 1;
});
