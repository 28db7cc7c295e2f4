// A customer's data as JSON (the right of access): the customer as written at signup, the
// consents, subscriptions, tenants and emails sent, with no secret (no status token, no signup
// key, no encrypted body, no sealed secret). Each export is audited (customer.exported, ids only)
// in the transaction that reads the data.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditEntry } from "../audit/audit-log.ts";

/** Who asks (an admin by email, or the system). */
export type DataRightsActor = Pick<AuditEntry, "actorType" | "actorId">;

/** The export's format version: a reader of older files can tell what they hold. */
export const CUSTOMER_EXPORT_FORMAT = "tenantry.customer-export.v1";

export interface CustomerExport {
  format: typeof CUSTOMER_EXPORT_FORMAT;
  exportedAt: string;
  customer: {
    id: string;
    email: string;
    firstName: string;
    lastName: string;
    company: string;
    phone: string;
    locale: string;
    createdAt: string;
    updatedAt: string;
    erasedAt: string | null;
  };
  consents: { id: string; subscriptionId: string | null; termsVersion: string; acceptedAt: string; ip: string; userAgent: string }[];
  subscriptions: {
    id: string;
    plan: string;
    status: string;
    trialEndsAt: string | null;
    expiredAt: string | null;
    stripeCustomerId: string | null;
    stripeSubscriptionId: string | null;
    stripePriceId: string | null;
    billingInterval: string | null;
    stripePriceAmount: number | null;
    stripePriceCurrency: string | null;
    currentPeriodEnd: string | null;
    cancelAtPeriodEnd: boolean;
    stripeStatus: string | null;
    stripeStateAt: string | null;
    pastDueSince: string | null;
    graceEndsAt: string | null;
    endedAt: string | null;
    createdAt: string;
    updatedAt: string;
  }[];
  tenants: {
    id: string;
    slug: string;
    templateName: string;
    desiredState: string;
    actualState: string;
    subscriptionId: string | null;
    createdAt: string;
    updatedAt: string;
  }[];
  emails: {
    id: string;
    purpose: string;
    tenantId: string | null;
    toAddress: string;
    locale: string;
    subject: string;
    status: string;
    createdAt: string;
    sentAt: string | null;
    /** The text body; null while it is encrypted (it still carries a secret waiting to be sent). */
    bodyText: string | null;
  }[];
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The customer's data, or null when no such customer exists. Audited as customer.exported. */
export async function exportCustomerData(prisma: PrismaClient, customerId: string, actor: DataRightsActor, now: Date): Promise<CustomerExport | null> {
  return prisma.$transaction(async (tx) => {
    const customer = await tx.customer.findUnique({
      where: { id: customerId },
      include: {
        consents: { orderBy: { acceptedAt: "asc" } },
        subscriptions: { orderBy: { createdAt: "asc" } },
        tenants: { orderBy: { createdAt: "asc" } },
      },
    });
    if (!customer) return null;
    const emails = await tx.emailOutbox.findMany({ where: customerEmailsWhere(customer), orderBy: { createdAt: "asc" } });
    await writeAudit(tx, { ...actor, action: "customer.exported", outcome: "succeeded", details: { customerId: customer.id } });
    return {
      format: CUSTOMER_EXPORT_FORMAT,
      exportedAt: now.toISOString(),
      customer: {
        id: customer.id,
        email: customer.email,
        firstName: customer.firstName,
        lastName: customer.lastName,
        company: customer.company,
        phone: customer.phone,
        locale: customer.locale,
        createdAt: customer.createdAt.toISOString(),
        updatedAt: customer.updatedAt.toISOString(),
        erasedAt: iso(customer.erasedAt),
      },
      consents: customer.consents.map((c) => ({
        id: c.id,
        subscriptionId: c.subscriptionId,
        termsVersion: c.termsVersion,
        acceptedAt: c.acceptedAt.toISOString(),
        ip: c.ip,
        userAgent: c.userAgent,
      })),
      subscriptions: customer.subscriptions.map((s) => ({
        id: s.id,
        plan: s.plan,
        status: s.status,
        trialEndsAt: iso(s.trialEndsAt),
        expiredAt: iso(s.expiredAt),
        stripeCustomerId: s.stripeCustomerId,
        stripeSubscriptionId: s.stripeSubscriptionId,
        stripePriceId: s.stripePriceId,
        billingInterval: s.billingInterval,
        stripePriceAmount: s.stripePriceAmount,
        stripePriceCurrency: s.stripePriceCurrency,
        currentPeriodEnd: iso(s.currentPeriodEnd),
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        stripeStatus: s.stripeStatus,
        stripeStateAt: iso(s.stripeStateAt),
        pastDueSince: iso(s.pastDueSince),
        graceEndsAt: iso(s.graceEndsAt),
        endedAt: iso(s.endedAt),
        createdAt: s.createdAt.toISOString(),
        updatedAt: s.updatedAt.toISOString(),
      })),
      tenants: customer.tenants.map((t) => ({
        id: t.id,
        slug: t.slug,
        templateName: t.templateName,
        desiredState: t.desiredState,
        actualState: t.actualState,
        subscriptionId: t.subscriptionId,
        createdAt: t.createdAt.toISOString(),
        updatedAt: t.updatedAt.toISOString(),
      })),
      emails: emails.map((e) => ({
        id: e.id,
        purpose: e.purpose,
        tenantId: e.tenantId,
        toAddress: e.toAddress,
        locale: e.locale,
        subject: e.subject,
        status: e.status,
        createdAt: e.createdAt.toISOString(),
        sentAt: iso(e.sentAt),
        bodyText: e.encrypted ? null : e.bodyText,
      })),
    };
  });
}

/** The customer's emails: those about their tenants, and any other sent to their address. */
export function customerEmailsWhere(customer: { email: string; tenants: { id: string }[] }) {
  return {
    OR: [{ tenantId: { in: customer.tenants.map((t) => t.id) } }, { toAddress: { equals: customer.email, mode: "insensitive" as const } }],
  };
}
