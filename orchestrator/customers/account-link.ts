// "Send me my link" (issue 12): a customer who lost their account page's address types their email
// and gets a fresh link by email. The tenant gets a new status token (the old link stops working at
// once), the email is queued in the outbox and both are audited, all in one transaction. Whoever
// asks gets the same answer whether the address is known or not; the only other answer is the rate
// limit, which depends on the asking address alone (requests per client address per hour, counted
// from the audit entries, so it holds across restarts and processes, as the signup limit does).
// A known customer gets at most LINKS_PER_TENANT_PER_HOUR links an hour: past that nothing is sent
// and nothing changes, so nobody can keep another customer's link changing.
import { randomBytes, randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { Clock } from "../clock.ts";
import { enqueueEmail } from "../mail/outbox.ts";
import type { SecretBox } from "../secrets.ts";

// The audit entries counted carry the database's time (AuditLog.at), as the signup limit's do: the
// windows assume the portal's clock agrees with the database's.
const HOUR_MS = 60 * 60 * 1000;
/** Links sent for one tenant per hour, whoever asks; more asks are answered the same and do nothing. */
export const LINKS_PER_TENANT_PER_HOUR = 3;
const LOCK_CLASS = "tenantry.account-link";

export interface AccountLinkDeps {
  prisma: PrismaClient;
  secretBox: SecretBox;
  clock: Pick<Clock, "now">;
}

export interface AccountLinkRequest {
  /** As typed; compared lowercased, as signups store it. */
  email: string;
  /** The client's address (the rate limit's key, kept in the audit entry). */
  ip: string;
  /** Requests one address may make per hour. */
  perIpPerHour: number;
  /** The account page's address for a token (the portal's own address, never the request's Host). */
  accountUrl(statusToken: string): string;
}

/** "accepted" whether or not anything was sent: that is the point. */
export type AccountLinkOutcome = { kind: "accepted" } | { kind: "rate-limited"; retryAfterSeconds: number };

export async function sendAccountLink(deps: AccountLinkDeps, request: AccountLinkRequest): Promise<AccountLinkOutcome> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(
    async (tx) => {
      // Parallel requests from one address take turns, so they cannot all pass the same count.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${LOCK_CLASS}::text), hashtext(${`ip:${request.ip}`}::text))`;
      const limited = await ipLimit(tx, request, now);
      if (limited) return limited;
      await writeAudit(tx, { actorType: "public", actorId: null, action: "account.link_requested", outcome: "succeeded", details: { ip: request.ip } });
      await renewIfKnown(tx, deps.secretBox, request, now);
      return { kind: "accepted" } as const;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

async function ipLimit(tx: Prisma.TransactionClient, request: AccountLinkRequest, now: Date): Promise<AccountLinkOutcome | null> {
  const since = new Date(now.getTime() - HOUR_MS);
  const asked = await tx.auditLog.findMany({
    where: { action: "account.link_requested", at: { gt: since }, details: { path: ["ip"], equals: request.ip } },
    orderBy: { at: "asc" },
    select: { at: true },
    take: request.perIpPerHour,
  });
  if (asked.length < request.perIpPerHour) return null;
  const retryAfterSeconds = Math.max(1, Math.ceil((asked[0]!.at.getTime() + HOUR_MS - now.getTime()) / 1000));
  return { kind: "rate-limited", retryAfterSeconds };
}

/** The customer's newest tenant still standing gets a new token and its link by email. */
async function renewIfKnown(tx: Prisma.TransactionClient, box: SecretBox, request: AccountLinkRequest, now: Date): Promise<void> {
  const customer = await tx.customer.findUnique({
    where: { email: request.email.trim().toLowerCase() },
    select: {
      id: true,
      email: true,
      firstName: true,
      company: true,
      locale: true,
      erasedAt: true,
      tenants: { where: { actualState: { not: "destroyed" } }, orderBy: { createdAt: "desc" }, take: 1, select: { id: true } },
    },
  });
  const tenant = customer?.tenants[0];
  if (!customer || customer.erasedAt || !tenant) return;
  await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenant.id} FOR UPDATE`;
  const recent = await tx.auditLog.count({
    where: { action: "account.link_renewed", tenantId: tenant.id, at: { gt: new Date(now.getTime() - HOUR_MS) } },
  });
  if (recent >= LINKS_PER_TENANT_PER_HOUR) return;
  const statusToken = randomBytes(32).toString("base64url");
  await tx.tenant.update({ where: { id: tenant.id }, data: { statusToken } });
  await enqueueEmail(tx, box, {
    idempotencyKey: `account-link:${tenant.id}:${randomUUID()}`,
    tenantId: tenant.id,
    to: customer.email,
    locale: customer.locale === "fr" ? "fr" : "en",
    message: { purpose: "account-link", firstName: customer.firstName, company: customer.company, accountUrl: request.accountUrl(statusToken) },
  });
  // The old link is dead from this commit on; the entry says so without either token.
  await writeAudit(tx, {
    actorType: "public",
    actorId: null,
    action: "account.link_renewed",
    tenantId: tenant.id,
    outcome: "succeeded",
    details: { customerId: customer.id, ip: request.ip, previousLink: "revoked" },
  });
}
