// Trial expiry: a trialing subscription whose trial has ended unpaid (no Stripe subscription) becomes
// expired as of the run's time. In the same transaction its tenant is wanted suspended and, when
// anything of it runs (or is about to), a suspend job is queued (the job stops the containers; data
// is kept), the expiry is audited and the customer is told ("trial-ended"). The subscription's
// conditional update is the guard: only the run whose update changed the row does the rest.
import type { PrismaClient, TenantActualState } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { requestJob } from "../jobs/job-requests.ts";
import type { SecretBox } from "../secrets.ts";
import { accountLinkOf, appUrlOf, lockTenant, queueTrialEmail, SCHEDULER_ACTOR, trialMailTarget } from "./trial-mail.ts";

export interface ExpiryDeps {
  prisma: PrismaClient;
  secretBox: SecretBox;
  tenantUrl: string;
  /** The portal's public address: the email links to the account page (absent: no link). */
  portalUrl?: string | undefined;
}

export interface ExpirySummary {
  expired: number;
  suspendJobs: number;
}

/** States in which a tenant has (or is about to have) containers running: a suspend job stops them. */
const RUNNING: readonly TenantActualState[] = ["pending", "provisioning", "active"];
const GONE: readonly TenantActualState[] = ["destroying", "destroyed"];

export function trialEndedKey(subscriptionId: string, endsAt: Date): string {
  return `trial-ended:${subscriptionId}:${endsAt.toISOString()}`;
}

export async function expireTrials(deps: ExpiryDeps, asOf: Date, signal: AbortSignal): Promise<ExpirySummary> {
  const candidates = await deps.prisma.subscription.findMany({
    where: { status: "trialing", trialEndsAt: { lte: asOf }, stripeSubscriptionId: null },
    select: { id: true, trialEndsAt: true, tenant: { select: { id: true } } },
    orderBy: { trialEndsAt: "asc" },
  });
  const summary: ExpirySummary = { expired: 0, suspendJobs: 0 };
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const endsAt = candidate.trialEndsAt!;
    const tenantId = candidate.tenant?.id ?? null;
    const outcome = await deps.prisma.$transaction(async (tx) => {
      if (tenantId) await lockTenant(tx, tenantId);
      const { count } = await tx.subscription.updateMany({
        where: { id: candidate.id, status: "trialing", trialEndsAt: endsAt, stripeSubscriptionId: null },
        data: { status: "expired", expiredAt: asOf },
      });
      if (count !== 1) return null;
      const details = { subscriptionId: candidate.id, trialEndsAt: endsAt.toISOString() };
      const tenant = tenantId
        ? await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { ...trialMailTarget, desiredState: true, actualState: true } })
        : null;
      if (!tenant || tenant.desiredState === "destroyed" || GONE.includes(tenant.actualState)) {
        // Nothing left to suspend or to write about: the subscription's state is the record.
        await writeAudit(tx, { ...SCHEDULER_ACTOR, action: "trial.expired", tenantId, outcome: "succeeded", details });
        return { suspendJob: false };
      }
      if (tenant.desiredState === "active") await tx.tenant.update({ where: { id: tenant.id }, data: { desiredState: "suspended" } });
      const suspendJob = RUNNING.includes(tenant.actualState);
      if (suspendJob) {
        await requestJob(tx, {
          tenantId: tenant.id,
          kind: "suspend",
          requestedBy: SCHEDULER_ACTOR.actorId,
          audit: { ...SCHEDULER_ACTOR, action: "trial.expired", outcome: "queued", details },
        });
      } else {
        await writeAudit(tx, { ...SCHEDULER_ACTOR, action: "trial.expired", tenantId: tenant.id, outcome: "succeeded", details });
      }
      await queueTrialEmail(tx, deps.secretBox, tenant, trialEndedKey(candidate.id, endsAt), (recipient) => ({
        purpose: "trial-ended",
        ...recipient,
        appUrl: appUrlOf(deps.tenantUrl, tenant),
        ...accountLinkOf(deps.portalUrl, tenant),
      }));
      return { suspendJob };
    });
    if (!outcome) continue;
    summary.expired += 1;
    if (outcome.suspendJob) summary.suspendJobs += 1;
  }
  return summary;
}
