// What the trial steps share: the tenant's row lock (taken first in every transaction, in the same
// order as the console's actions, so a trial step and an admin's extension take turns instead of
// deadlocking) and the customer's trial emails, queued in the transaction of the change that causes
// them under a key that makes each one exactly once.
import type { Prisma } from "../../prisma/generated/client.ts";
import { tenantAppUrl } from "../lifecycle/context.ts";
import { enqueueEmail } from "../mail/outbox.ts";
import type { EmailLocale, EmailMessageInput } from "../mail/templates/index.ts";
import type { SecretBox } from "../secrets.ts";

export const DAY_MS = 86_400_000;
export const SCHEDULER_ACTOR = { actorType: "system", actorId: "scheduler" } as const;

/** Locks the tenant's row until the transaction ends (two runs of a step take turns). */
export async function lockTenant(tx: Prisma.TransactionClient, tenantId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR UPDATE`;
}

export interface TrialMailTarget {
  id: string;
  slug: string;
  statusToken: string;
  customer: { email: string; firstName: string; company: string; locale: string; erasedAt: Date | null };
  portLeases: { port: number }[];
}

/** The tenant with what its trial emails need (its customer, its app's port). */
export const trialMailTarget = {
  id: true,
  slug: true,
  statusToken: true,
  customer: { select: { email: true, firstName: true, company: true, locale: true, erasedAt: true } },
  portLeases: { select: { port: true }, orderBy: { createdAt: "asc" }, take: 1 },
} satisfies Prisma.TenantSelect;

/**
 * Queues one email to the tenant's customer under `idempotencyKey`; true when this call queued it,
 * false when a message with that key exists already (or the customer was erased: no address left).
 */
export async function queueTrialEmail(
  tx: Prisma.TransactionClient,
  box: SecretBox,
  tenant: TrialMailTarget,
  idempotencyKey: string,
  message: (recipient: { firstName: string; company: string }) => EmailMessageInput,
): Promise<boolean> {
  if (tenant.customer.erasedAt !== null) return false;
  const locale: EmailLocale = tenant.customer.locale === "fr" ? "fr" : "en";
  const { count } = await enqueueEmail(tx, box, {
    idempotencyKey,
    tenantId: tenant.id,
    to: tenant.customer.email,
    locale,
    message: message({ firstName: tenant.customer.firstName, company: tenant.customer.company }),
  });
  return count === 1;
}

export function appUrlOf(tenantUrl: string, tenant: TrialMailTarget): string {
  return tenantAppUrl(tenantUrl, tenant.slug, tenant.portLeases[0]?.port);
}

/**
 * The account page's link (`<portalUrl>/trial/<statusToken>`, as "send me my link" builds it) for a
 * trial or billing email, as a field to spread into the message; nothing when the portal's public
 * address is not set. The link is a secret: the outbox cuts it from the copy it keeps (redaction.ts).
 */
export function accountLinkOf(portalUrl: string | undefined, tenant: Pick<TrialMailTarget, "statusToken">): { accountUrl?: string } {
  return portalUrl ? { accountUrl: `${portalUrl.replace(/\/+$/, "")}/trial/${tenant.statusToken}` } : {};
}
