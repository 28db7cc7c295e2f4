// The one writer of audit entries. Every part of Tenantry that records who did what (the portal's
// sign-in, signup and console; the job runner's outcomes) calls writeAudit with its own database
// handle: inside a transaction the entry commits or rolls back with the change it records.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";

/** The caller's transaction, or the client itself for an entry that stands alone. */
export type DatabaseWriter = Prisma.TransactionClient | PrismaClient;

/** operator: whoever runs an operator command on the server (`npm run secrets:rotate`). */
export type AuditActorType = "admin" | "customer" | "public" | "system" | "operator";

/** queued: a job was asked for and will record its own outcome when it ends. */
export type AuditOutcome = "succeeded" | "failed" | "refused" | "queued";

// The actions, by family. A new action is added to its family here, so the audit page and the
// queries that count entries (signup limits, "was this tenant provisioned before") know its name.
const ADMIN_TENANT_ACTIONS = ["suspend", "resume", "restart", "retry", "resend", "extend", "plan", "destroy", "retry_destroy", "backup", "restore", "upgrade", "upgrade_started"] as const;
const ADMIN_ACCOUNT_ACTIONS = ["created", "setup_refused", "login", "login_failed", "login_throttled", "unlocked", "email_retry"] as const;
const TRIAL_ACTIONS = ["created", "renewed", "refused_known_address", "reminded", "expired"] as const;
const CUSTOMER_ACTIONS = ["exported", "erased"] as const;
// Billing (issue 12): the Stripe webhook and the billing task (actor system "stripe" or "scheduler"); synced by an admin.
const SUBSCRIPTION_ACTIONS = ["converted", "linked", "activated", "past_due", "suspended", "canceled", "updated", "grace_reminded", "synced", "plan_changed"] as const;
const PORTAL_ACTIONS = ["backup_written", "restored"] as const;
const SECRETS_ACTIONS = ["rotation_started", "rotation_completed", "rotation_failed"] as const;
// Custom domains (issue 14): added and removed by the customer or an admin, activated by the DNS check.
// Re-checks of active domains: the record seen pointing elsewhere, set back, disabled after the grace.
const DOMAIN_ACTIONS = ["added", "removed", "activated", "misconfigured", "record_fixed", "disabled"] as const;
// The customer's account page (issue 12): a fresh link asked for and sent, their own requests.
const ACCOUNT_ACTIONS = ["link_requested", "link_renewed", "resend", "close", "checkout", "billing_portal"] as const;
const TENANT_ACTIONS = [
  "provisioned",
  "suspended",
  "resumed",
  "restarted",
  "destroyed",
  "credentials_resent",
  "provisioning_failed",
  "suspend_failed",
  "resume_failed",
  "restart_failed",
  "destroy_failed",
  "resend_credentials_failed",
  "terminated",
  "terminate_failed",
  "dump_written",
  "dump_deleted",
  "drift_detected",
  "repaired",
  "repair_failed",
  "flagged",
  "engine_unreachable",
  // Tenant backups (issue 13): written by the backup and restore jobs.
  "backup_taken",
  "backup_failed",
  "restored",
  "restore_failed",
  // Upgrades (issue 13): written by the upgrade job (orchestrator/upgrades/).
  "upgraded",
  "upgrade_rolled_back",
  "upgrade_failed",
  // Plans (issue 12): the change_plan job applied the plan's limits to the containers, or failed to.
  "plan_applied",
  "plan_apply_failed",
  // Scheduled backups (issue 13): a backup's restore checked in a temporary stack, retention's deletions.
  "backup_verified",
  "backup_verify_failed",
  "backup_deleted",
] as const;

export type AuditAction =
  | `admin.${(typeof ADMIN_TENANT_ACTIONS)[number] | (typeof ADMIN_ACCOUNT_ACTIONS)[number]}`
  | `trial.${(typeof TRIAL_ACTIONS)[number]}`
  | `customer.${(typeof CUSTOMER_ACTIONS)[number]}`
  | `subscription.${(typeof SUBSCRIPTION_ACTIONS)[number]}`
  | `secrets.${(typeof SECRETS_ACTIONS)[number]}`
  | `tenant.${(typeof TENANT_ACTIONS)[number]}`
  | `portal.${(typeof PORTAL_ACTIONS)[number]}`
  | `domain.${(typeof DOMAIN_ACTIONS)[number]}`
  | `account.${(typeof ACCOUNT_ACTIONS)[number]}`;

/** Every known action name (for tests and for anyone listing them). */
export const AUDIT_ACTIONS: readonly AuditAction[] = [
  ...ADMIN_TENANT_ACTIONS.map((a) => `admin.${a}` as const),
  ...ADMIN_ACCOUNT_ACTIONS.map((a) => `admin.${a}` as const),
  ...TRIAL_ACTIONS.map((a) => `trial.${a}` as const),
  ...CUSTOMER_ACTIONS.map((a) => `customer.${a}` as const),
  ...SUBSCRIPTION_ACTIONS.map((a) => `subscription.${a}` as const),
  ...SECRETS_ACTIONS.map((a) => `secrets.${a}` as const),
  ...TENANT_ACTIONS.map((a) => `tenant.${a}` as const),
  ...PORTAL_ACTIONS.map((a) => `portal.${a}` as const),
  ...DOMAIN_ACTIONS.map((a) => `domain.${a}` as const),
  ...ACCOUNT_ACTIONS.map((a) => `account.${a}` as const),
];

/** Plain values only: an entry is read back as JSON on the audit page. Never a secret. */
export type AuditDetails = Record<string, string | number | boolean | null>;

export interface AuditEntry {
  actorType: AuditActorType;
  /** Who: an admin's email, a customer's id, whoever asked for a job; null when unknown. */
  actorId: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  tenantId?: string | null;
  details?: AuditDetails;
}

export async function writeAudit(db: DatabaseWriter, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      actorType: entry.actorType,
      actorId: entry.actorId,
      action: entry.action,
      outcome: entry.outcome,
      tenantId: entry.tenantId ?? null,
      ...(entry.details ? { details: entry.details } : {}),
    },
  });
}
