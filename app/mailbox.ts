// `npm run mailbox`: the development mailbox, where email goes while SMTP_URL is not set. Its files
// are encrypted with the secrets key (SECRETS_KEY or the key file) and expire after 3 days.
//   npm run mailbox            lists the messages, newest last
//   npm run mailbox -- show N  prints message N (its plain-text part)
//   npm run mailbox -- last    prints the newest message
import { readDevMailbox } from "../orchestrator/index.ts";
import { loadSecretKeyFor } from "./boot.server";
import { ConfigError, loadConfig } from "./config.server";

async function main() {
  const config = loadConfig(process.env);
  const dir = config.mail.devMailboxDir;
  if (config.mail.smtpUrl) {
    console.log("SMTP_URL is set: email goes to the SMTP server, not to the development mailbox.");
  }
  const messages = await readDevMailbox(dir, await loadSecretKeyFor(config));
  const [command, which] = process.argv.slice(2);
  if (messages.length === 0) {
    console.log(`The development mailbox (${dir}) is empty.`);
    return;
  }
  if (command === "show" || command === "last") {
    const index = command === "last" ? messages.length : Number(which);
    const message = messages[index - 1];
    if (!message) {
      console.error(`There is no message ${which ?? ""}; pick a number from 1 to ${messages.length}.`);
      process.exitCode = 2;
      return;
    }
    console.log(`Date: ${message.date}\nFrom: ${message.from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}`);
    return;
  }
  console.log(`Development mailbox (${dir}): ${messages.length} message(s)`);
  messages.forEach((m, i) => console.log(`${String(i + 1).padStart(3)}  ${m.date}  ${m.to}  ${m.subject}`));
  console.log("Read one with: npm run mailbox -- show N   (or: npm run mailbox -- last)");
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
