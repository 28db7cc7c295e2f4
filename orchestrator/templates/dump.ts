// The manifest's optional `dump` section with its variables substituted: the command the
// terminate job runs in the database's container to take the tenant's final dump. A command is an
// argument list for driver.exec (no shell), so a substituted value is always one argument; it runs
// as the container's local user, so it needs no password (the template rules refuse a secret on it).
import type { Manifest } from "./manifest.ts";
import { substitutePlaceholders } from "./placeholders.ts";

export interface DumpPlan {
  service: string;
  user?: string;
  command: string[];
}

/** The rendered dump command, or null when the template declares none. */
export function renderDump(manifest: Manifest, values: ReadonlyMap<string, string>): DumpPlan | null {
  const dump = manifest.dump;
  if (dump === undefined) return null;
  return {
    service: dump.service,
    ...(dump.user === undefined ? {} : { user: dump.user }),
    command: dump.command.map((part, index) => substitutePlaceholders(part, values, `manifest.json dump.command[${index}]`)),
  };
}
