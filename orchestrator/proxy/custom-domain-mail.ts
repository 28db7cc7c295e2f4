// The customer's email when one of their custom domains is disabled (issue 14, follow-up): queued in
// the transaction that disables it, in the customer's language, through the outbox like the trial
// and billing emails (trial-mail.ts: the account page's link sealed as a secret), under a key naming
// the domain and the episode (when it was first seen pointing elsewhere), so it goes out once.
import type { Prisma } from "../../prisma/generated/client.ts";
import { accountLinkOf, appUrlOf, queueTrialEmail, trialMailTarget } from "../trials/trial-mail.ts";
import type { CustomDomainDeps } from "./custom-domains.ts";

export type DisabledDomain = { id: string; tenantId: string; hostname: string; misconfiguredSince: Date; found: string | null };

/** The email's idempotency key: one per domain and misconfiguration episode. */
export function domainDisabledEmailKey(domain: Pick<DisabledDomain, "id" | "misconfiguredSince">): string {
  return `custom-domain-disabled:${domain.id}:${domain.misconfiguredSince.toISOString()}`;
}

/** Queues the email (true), or not: sent already for this episode, or the customer was erased. */
export async function queueDomainDisabledEmail(
  tx: Prisma.TransactionClient,
  deps: Pick<CustomDomainDeps, "secretBox" | "tenantUrl" | "portalUrl" | "settings">,
  domain: DisabledDomain,
): Promise<boolean> {
  const tenant = await tx.tenant.findUnique({ where: { id: domain.tenantId }, select: trialMailTarget });
  if (!tenant) return false;
  return queueTrialEmail(tx, deps.secretBox, tenant, domainDisabledEmailKey(domain), (recipient) => ({
    ...recipient,
    purpose: "custom-domain-disabled",
    hostname: domain.hostname,
    target: deps.settings.target,
    misconfiguredSince: domain.misconfiguredSince,
    ...(domain.found ? { found: domain.found } : {}),
    appUrl: appUrlOf(deps.tenantUrl, tenant),
    ...accountLinkOf(deps.portalUrl, tenant),
  }));
}
