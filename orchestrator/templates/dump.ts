// The manifest's optional `dump` section with its variables substituted: the command the
// terminate job runs in the database's container to take the tenant's final dump (and, the same
// way, the `restore` and `rowCounts` sections tenant backups use). A command is an
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
  return renderCommandSection(manifest, "dump", values);
}

/**
 * One of the manifest's command sections of that form (dump, restore, rowCounts: the tenant
 * backups' commands, orchestrator/tenant-backup/) rendered, or null when the template has none.
 */
export function renderCommandSection(manifest: Manifest, section: "dump" | "restore" | "rowCounts", values: ReadonlyMap<string, string>): DumpPlan | null {
  const found = manifest[section];
  if (found === undefined) return null;
  return {
    service: found.service,
    ...(found.user === undefined ? {} : { user: found.user }),
    command: found.command.map((part, index) => substitutePlaceholders(part, values, `manifest.json ${section}.command[${index}]`)),
  };
}
