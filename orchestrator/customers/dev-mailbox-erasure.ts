// Erasure reaches the development mailbox too: its files (encrypted, kept 3 days, see
// orchestrator/mail/dev-mailbox.ts) may hold messages to an erased customer. This deletes those
// addressed to any of the given addresses; a file the key cannot open is left alone (it expires).
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { devMailboxContext } from "../mail/dev-mailbox.ts";
import { SecretBox } from "../secrets.ts";

/** Deletes the development mailbox's messages to these addresses; returns how many. */
export async function eraseDevMailboxMessages(dir: string, secretKey: Buffer, addresses: string[]): Promise<number> {
  const secretBox = new SecretBox(secretKey);
  const wanted = new Set(addresses.map((a) => a.trim().toLowerCase()));
  if (wanted.size === 0) return 0;
  let removed = 0;
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    const sealed = file.endsWith(".mail");
    if (!sealed && !file.endsWith(".json")) continue;
    const full = path.join(dir, file);
    try {
      const content = await readFile(full, "utf8");
      // The same binding as the mailbox's writer: each file is sealed under its own name.
      const message = JSON.parse(sealed ? secretBox.decrypt(content, devMailboxContext(file)) : content) as { to?: unknown };
      if (typeof message.to === "string" && recipients(message.to).some((to) => wanted.has(to))) {
        await rm(full, { force: true });
        removed++;
      }
    } catch {
      // Unreadable with this key, or gone meanwhile: nothing to do.
    }
  }
  return removed;
}

// "Name <a@b>, c@d" → ["a@b", "c@d"]
function recipients(to: string): string[] {
  return to.split(",").map((part) => (/<([^>]+)>/.exec(part)?.[1] ?? part).trim().toLowerCase());
}
