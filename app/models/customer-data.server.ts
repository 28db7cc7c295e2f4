// The console's side of customers' data rights: the JSON export (operators and owners) and the
// erasure (owners only, once every tenant of the customer is destroyed), both done by the
// orchestrator (orchestrator/customers/) and audited there with the admin as actor; a refused
// erasure is audited too. Also what the tenant page shows about it.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { eraseCustomer, eraseDevMailboxMessages, exportCustomerData, writeAudit, type CustomerExport } from "../../orchestrator/index.ts";
import { loadSecretKeyFor } from "~/boot.server";
import type { AppConfig } from "~/config.server";
import type { AdminSessionInfo } from "./admin-auth.server";
import type { AdminMessageKey } from "~/i18n/admin-messages";

const actorOf = (session: AdminSessionInfo) => ({ actorType: "admin" as const, actorId: session.admin.email });

/** The export as a file: its name and its JSON text; null when there is no such customer. */
export async function customerExportFile(prisma: PrismaClient, customerId: string, session: AdminSessionInfo, now: Date) {
  const data: CustomerExport | null = await exportCustomerData(prisma, customerId, actorOf(session), now);
  if (!data) return null;
  return { fileName: `customer-${data.customer.id}-${now.toISOString().slice(0, 10)}.json`, text: `${JSON.stringify(data, null, 2)}\n` };
}

export type EraseResult =
  | { ok: true; key: AdminMessageKey }
  | { ok: false; status: 400 | 404 | 409; key: AdminMessageKey; values?: Record<string, string> };

/**
 * Erases the customer when `confirmEmail` is theirs and none of their tenants is left; without
 * SMTP, the development mailbox's messages to them are deleted too.
 */
export async function eraseCustomerData(
  { prisma, config }: { prisma: PrismaClient; config: AppConfig },
  customerId: string,
  confirmEmail: string,
  session: AdminSessionInfo,
  now: Date,
): Promise<EraseResult> {
  const customer = await prisma.customer.findUnique({ where: { id: customerId }, select: { email: true, erasedAt: true } });
  if (!customer) return { ok: false, status: 404, key: "dataRights.missing" };
  if (customer.erasedAt) return { ok: true, key: "dataRights.alreadyErased" };
  if (confirmEmail.trim().toLowerCase() !== customer.email.toLowerCase()) return { ok: false, status: 400, key: "dataRights.wrongEmail" };
  const outcome = await eraseCustomer(prisma, customerId, actorOf(session), now);
  switch (outcome.kind) {
    case "erased":
      if (!config.mail.smtpUrl) await eraseDevMailboxMessages(config.mail.devMailboxDir, await loadSecretKeyFor(config), [customer.email]);
      return { ok: true, key: "dataRights.erased" };
    case "already-erased":
      return { ok: true, key: "dataRights.alreadyErased" };
    case "not-found":
      return { ok: false, status: 404, key: "dataRights.missing" };
    case "live-tenants":
      await writeAudit(prisma, { ...actorOf(session), action: "customer.erased", outcome: "refused", details: { customerId, reason: "live tenants" } });
      return { ok: false, status: 409, key: "dataRights.liveTenants", values: { slugs: outcome.slugs.join(", ") } };
  }
}

/** For the tenant page: whether the customer was erased, and which of their tenants still stand. */
export async function customerDataStatus(prisma: PrismaClient, customerId: string) {
  const customer = await prisma.customer.findUnique({
    where: { id: customerId },
    select: { id: true, erasedAt: true, tenants: { where: { actualState: { not: "destroyed" } }, select: { slug: true }, orderBy: { slug: "asc" } } },
  });
  return customer ? { customerId: customer.id, erasedAt: customer.erasedAt?.toISOString() ?? null, liveSlugs: customer.tenants.map((t) => t.slug) } : null;
}
