// What a billing transition does beyond the subscription's row, in the caller's transaction: the
// tenant suspended (desired state, and a suspend job while anything of it runs) or resumed (a resume
// job), the transition audited (with the job's entry when there is one), and the customer told
// (payment failed, suspended) under an idempotency key, so each happens once however often the
// transition is computed. The tenant's row is locked by the caller first (lockBillingRow).
import type { Prisma, PrismaClient, TenantActualState } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditAction, type AuditActorType, type AuditDetails } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { requestJob } from "../jobs/job-requests.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { SecretBox } from "../secrets.ts";
import { accountLinkOf, appUrlOf, lockTenant, queueTrialEmail, trialMailTarget } from "../trials/trial-mail.ts";
import type { BillingSettings } from "./settings.ts";
import type { TenantEffect, Transition } from "./stripe-state.ts";

/** What billing needs: the database, the secrets box (emails), the clock, the settings, the plans. */
export interface BillingDeps {
  prisma: PrismaClient;
  secretBox: SecretBox;
  clock: Clock;
  logger: OrchestratorLogger;
  tenantUrl: string;
  /** The portal's public address: the payment-failed and suspended emails link to the account page (absent: no link). */
  portalUrl?: string | undefined;
  settings: BillingSettings;
  /** The plans catalogue's lookups (orchestrator/plans): a price id names the plan bought. */
  plans?: {
    byPriceId(priceId: string): { plan: { id: string }; interval: "month" | "year" } | undefined;
    /** The plan a Subscription.plan value names ("trial" and unknown values: the default plan). */
    forSubscription(plan: string): { id: string };
  };
}

export interface BillingActor {
  actorType: AuditActorType;
  actorId: string;
}

/** The Stripe webhook's entries. */
export const STRIPE_ACTOR: BillingActor = { actorType: "system", actorId: "stripe" };

const RUNNING: readonly TenantActualState[] = ["pending", "provisioning", "active"];
const GONE: readonly TenantActualState[] = ["destroying", "destroyed"];

/** Locks the tenant (first, as every writer of it does) then the subscription; returns its tenant's id. */
export async function lockBillingRow(tx: Prisma.TransactionClient, subscriptionId: string): Promise<string | null> {
  const tenant = await tx.tenant.findUnique({ where: { subscriptionId }, select: { id: true } });
  if (tenant) await lockTenant(tx, tenant.id);
  await tx.$queryRaw`SELECT id FROM "Subscription" WHERE id = ${subscriptionId} FOR UPDATE`;
  return tenant?.id ?? null;
}

export interface TransitionEffects {
  subscriptionId: string;
  tenantId: string | null;
  transition: Transition | null;
  tenant: TenantEffect;
  actor: BillingActor;
  /** The entry's action when the status did not move (subscription.updated, linked, synced). */
  unchangedAction: AuditAction;
  details: AuditDetails;
  /** The email the transition sends (none for activated or a change without transition). */
  email?: { key: string; message: EmailOf };
}

type EmailOf =
  | { purpose: "payment-failed"; graceEndsAt: Date; last: boolean; payUrl?: string }
  | { purpose: "billing-suspended"; reason: "unpaid" | "canceled" };

/** Audits the transition, moves the tenant, queues the email. Returns the job queued, if any. */
export async function applyEffects(tx: Prisma.TransactionClient, deps: Pick<BillingDeps, "secretBox" | "tenantUrl" | "portalUrl">, effects: TransitionEffects): Promise<string | null> {
  const action: AuditAction = effects.transition ? `subscription.${effects.transition}` : effects.unchangedAction;
  const details = { subscriptionId: effects.subscriptionId, ...effects.details };
  const tenant = effects.tenantId
    ? await tx.tenant.findUniqueOrThrow({ where: { id: effects.tenantId }, select: { ...trialMailTarget, desiredState: true, actualState: true } })
    : null;
  let jobId: string | null = null;
  const alive = tenant !== null && tenant.desiredState !== "destroyed" && !GONE.includes(tenant.actualState);
  if (alive && effects.tenant === "suspend") {
    if (tenant.desiredState === "active") await tx.tenant.update({ where: { id: tenant.id }, data: { desiredState: "suspended" } });
    if (RUNNING.includes(tenant.actualState)) {
      jobId = await requestJob(tx, { tenantId: tenant.id, kind: "suspend", requestedBy: effects.actor.actorId, audit: { ...effects.actor, action, outcome: "queued", details } });
    }
  } else if (alive && effects.tenant === "resume" && tenant.desiredState === "suspended") {
    await tx.tenant.update({ where: { id: tenant.id }, data: { desiredState: "active" } });
    jobId = await requestJob(tx, { tenantId: tenant.id, kind: "resume", requestedBy: effects.actor.actorId, audit: { ...effects.actor, action, outcome: "queued", details } });
  }
  if (jobId === null) await writeAudit(tx, { ...effects.actor, action, tenantId: effects.tenantId, outcome: "succeeded", details });
  if (alive && effects.email) {
    const email = effects.email.message;
    await queueTrialEmail(tx, deps.secretBox, tenant, effects.email.key, (recipient) =>
      email.purpose === "payment-failed"
        ? { ...recipient, ...email, appUrl: appUrlOf(deps.tenantUrl, tenant), ...accountLinkOf(deps.portalUrl, tenant) }
        : { ...recipient, ...email, ...accountLinkOf(deps.portalUrl, tenant) },
    );
  }
  return jobId;
}

/** The email a transition sends, under a key naming the episode (one per grace, one per ending). */
export function transitionEmail(
  subscriptionId: string,
  transition: Transition | null,
  row: { pastDueSince: Date | null; graceEndsAt: Date | null; endedAt: Date | null },
  at: Date,
  payUrl?: string,
): TransitionEffects["email"] {
  switch (transition) {
    case "past_due":
      return {
        key: `billing-payment-failed:${subscriptionId}:${(row.pastDueSince ?? at).toISOString()}`,
        message: { purpose: "payment-failed", graceEndsAt: row.graceEndsAt ?? at, last: false, ...(payUrl ? { payUrl } : {}) },
      };
    case "suspended":
      return { key: `billing-suspended:unpaid:${subscriptionId}:${(row.pastDueSince ?? at).toISOString()}`, message: { purpose: "billing-suspended", reason: "unpaid" } };
    case "canceled":
      return { key: `billing-suspended:canceled:${subscriptionId}:${(row.endedAt ?? at).toISOString()}`, message: { purpose: "billing-suspended", reason: "canceled" } };
    default:
      return undefined;
  }
}
