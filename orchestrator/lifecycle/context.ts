// What every lifecycle job needs, built once by createOrchestrator.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import type { StackDriver } from "../driver.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { PlanCatalog } from "../plans/catalog.ts";
import type { PortRange } from "../ports.ts";
import type { TenantProxy } from "../proxy/route-steps.ts";
import type { SecretBox } from "../secrets.ts";
import type { TenantBackupSettings } from "../tenant-backup/take-backup.ts";
import type { Template } from "../templates/template.ts";

export interface LifecycleDeps {
  prisma: PrismaClient;
  driver: StackDriver;
  clock: Clock;
  logger: OrchestratorLogger;
  secretBox: SecretBox;
  template: Template;
  /** Values of the template's config variables set by the vendor (image names…). */
  templateValues: Record<string, string>;
  portRange: PortRange;
  /** Host address tenant ports are published on. */
  bindAddress: string;
  /** The address customers reach their instance at, with {port} and {slug} to fill in. */
  tenantUrl: string;
  /** The portal's public address as customers reach it: trial and billing emails link to the account page; absent: no link. */
  portalUrl?: string | undefined;
  /** Where the final dump of a terminated tenant is written, and how long it is kept. */
  finalDumps: { dir: string; retentionDays: number };
  /** Where tenant backups are written and their key (issue 13); absent: backup and restore jobs refuse. */
  tenantBackups?: TenantBackupSettings;
  /** Caddy in front of tenants (issue 14); absent: no route is ever written. */
  proxy?: TenantProxy;
  /** The plan catalogue (issue 12): a tenant's containers get its plan's limits; absent: the template's own. */
  plans?: PlanCatalog;
}

/** The customer-facing address of a tenant's app. */
export function tenantAppUrl(template: string, slug: string, port: number | undefined): string {
  return template.replaceAll("{slug}", slug).replaceAll("{port}", port === undefined ? "" : String(port));
}

export function projectName(slug: string): string {
  return `client-${slug}`;
}
