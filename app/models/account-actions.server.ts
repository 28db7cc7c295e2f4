// What a customer can do from their account page (issue 12), each reached by the page's token only
// and audited with the customer as actor: resend my login details (the resend_credentials job, which
// mails the customer's own address), export my data (the JSON export), close my account (the
// subscription canceled at Stripe first when there is one, then the destroy job), subscribe (a
// Stripe Checkout session) and manage billing (a Customer Portal session). Each answers with an
// outcome the route turns into a notice on the page (a key of app/i18n/account.ts).
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { exportCustomerData, requestJob, writeAudit } from "../../orchestrator/index.ts";
import type { AccountMessageKey } from "~/i18n/account";

/** The part of the orchestrator's Stripe calls the page uses (helper J's StripeApi fits it). */
export interface AccountBillingApi {
  readonly configured: boolean;
  createCheckoutSession(request: {
    subscriptionId: string;
    planId: string;
    interval: "month" | "year";
    successUrl: string;
    cancelUrl: string;
    locale?: "fr" | "en";
  }): Promise<{ url: string }>;
  createPortalSession(request: { subscriptionId: string; returnUrl: string; locale?: "fr" | "en" }): Promise<{ url: string }>;
  cancelSubscription(subscriptionId: string): Promise<{ canceled: boolean }>;
}

export interface AccountActionServices {
  prisma: PrismaClient;
  now(): Date;
  billing: AccountBillingApi | null;
  logger: { warn(message: string, fields?: Record<string, unknown>): void };
}

export type Notice = { key: AccountMessageKey; values?: Record<string, string> };
/** Resend requests one tenant may make per hour (each sets a new password and sends an email). */
export const RESENDS_PER_HOUR = 3;
const HOUR_MS = 3_600_000;

async function tenantByToken(tx: Prisma.TransactionClient, statusToken: string) {
  const found = await tx.tenant.findUnique({ where: { statusToken }, select: { id: true } });
  if (!found) return null;
  // Under the tenant's row lock, as the console's actions: two requests at once take turns.
  await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${found.id} FOR UPDATE`;
  return tx.tenant.findUniqueOrThrow({
    where: { id: found.id },
    select: { id: true, slug: true, actualState: true, desiredState: true, customerId: true, customer: { select: { email: true } }, subscription: true },
  });
}

const customer = (customerId: string) => ({ actorType: "customer" as const, actorId: customerId });

/** New login details to the customer's own address; null when the token is unknown. */
export async function resendCredentials(services: AccountActionServices, statusToken: string): Promise<Notice | null> {
  return services.prisma.$transaction(async (tx) => {
    const tenant = await tenantByToken(tx, statusToken);
    if (!tenant) return null;
    if (tenant.actualState !== "active" || tenant.desiredState !== "active") {
      await writeAudit(tx, { ...customer(tenant.customerId), action: "account.resend", tenantId: tenant.id, outcome: "refused", details: { state: tenant.actualState } });
      return { key: "account.notice.resend-refused" };
    }
    const recent = await tx.auditLog.count({
      where: { action: "account.resend", tenantId: tenant.id, outcome: "queued", at: { gt: new Date(services.now().getTime() - HOUR_MS) } },
    });
    // Past the limit the answer is the same: a job for this tenant already mails its details.
    if (recent < RESENDS_PER_HOUR) {
      await requestJob(tx, {
        tenantId: tenant.id,
        kind: "resend_credentials",
        requestedBy: `customer:${tenant.customerId}`,
        audit: { ...customer(tenant.customerId), action: "account.resend", outcome: "queued" },
      });
    }
    return { key: "account.notice.resent", values: { email: tenant.customer.email } };
  }, { maxWait: 10_000, timeout: 30_000 });
}

/** The customer's data as a JSON file (audited customer.exported, the customer as actor). */
export async function exportMyData(services: Pick<AccountActionServices, "prisma" | "now">, statusToken: string) {
  const tenant = await services.prisma.tenant.findUnique({ where: { statusToken }, select: { customerId: true } });
  if (!tenant) return null;
  const now = services.now();
  const data = await exportCustomerData(services.prisma, tenant.customerId, customer(tenant.customerId), now);
  if (!data) return null;
  return { fileName: `my-data-${now.toISOString().slice(0, 10)}.json`, text: `${JSON.stringify(data, null, 2)}\n` };
}

/**
 * Closes the account: the typed confirmation must be the instance's name. The tenant is first marked
 * as leaving (desiredState destroyed, under its row lock), so that the events Stripe sends about the
 * cancellation find it leaving and queue nothing for it (no suspension, no "suspended" email); then a
 * live Stripe subscription is canceled (Stripe unreachable: the mark is taken back and nothing is
 * deleted); then the destroy job is queued.
 */
export async function closeAccount(services: AccountActionServices, statusToken: string, confirmation: string): Promise<Notice | null> {
  type Claim = { notice: Notice } | { tenant: NonNullable<Awaited<ReturnType<typeof tenantByToken>>> } | null;
  const claimed = await services.prisma.$transaction(async (tx): Promise<Claim> => {
    const tenant = await tenantByToken(tx, statusToken);
    if (!tenant) return null;
    if (tenant.desiredState === "destroyed" || tenant.actualState === "destroyed") return { notice: { key: "account.notice.closed-already" } };
    if (confirmation.trim().toLowerCase() !== tenant.slug) {
      await writeAudit(tx, { ...customer(tenant.customerId), action: "account.close", tenantId: tenant.id, outcome: "refused", details: { reason: "confirmation" } });
      return { notice: { key: "account.notice.close-confirm", values: { slug: tenant.slug } } };
    }
    await tx.tenant.update({ where: { id: tenant.id }, data: { desiredState: "destroyed" } });
    return { tenant };
  }, { maxWait: 10_000, timeout: 30_000 });
  if (!claimed) return null;
  if (!("tenant" in claimed)) return claimed.notice;
  const { tenant } = claimed;
  const who = customer(tenant.customerId);
  const sub = tenant.subscription;
  let canceledAtStripe = false;
  if (sub?.stripeSubscriptionId && sub.stripeStatus !== "canceled") {
    try {
      if (!services.billing) throw new Error("Stripe is not configured, but this subscription is linked to a Stripe subscription");
      canceledAtStripe = (await services.billing.cancelSubscription(sub.id)).canceled;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      services.logger.warn("account not closed: the Stripe subscription could not be canceled", { tenant: tenant.slug, error: message });
      await services.prisma.$transaction(async (tx) => {
        await tx.tenant.updateMany({ where: { id: tenant.id, desiredState: "destroyed" }, data: { desiredState: tenant.desiredState } });
        await writeAudit(tx, { ...who, action: "account.close", tenantId: tenant.id, outcome: "failed", details: { reason: "stripe", error: message.slice(0, 300) } });
      });
      return { key: "account.notice.close-stripe" };
    }
  }
  await services.prisma.$transaction((tx) =>
    requestJob(tx, {
      tenantId: tenant.id,
      kind: "destroy",
      requestedBy: `customer:${tenant.customerId}`,
      audit: { ...who, action: "account.close", outcome: "queued", details: { canceledAtStripe } },
    }),
  );
  return { key: "account.notice.closing" };
}

export type BillingRedirect = { url: string } | Notice;

/** The words of a refused billing call: Stripe unreachable, or this choice not possible. */
function billingNotice(error: unknown): Notice {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "stripe_unreachable" || !(typeof code === "string") ? { key: "account.notice.billing-unavailable" } : { key: "account.notice.billing-refused" };
}

/** A Stripe Checkout session for this plan and interval; null when the token is unknown. */
export async function startCheckout(
  services: AccountActionServices,
  statusToken: string,
  choice: { plan: string; interval: "month" | "year"; locale: "en" | "fr"; returnUrl: string },
): Promise<BillingRedirect | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { statusToken }, select: { id: true, customerId: true, desiredState: true, subscription: { select: { id: true, status: true } } } });
  if (!tenant) return null;
  if (!services.billing?.configured || !tenant.subscription || tenant.desiredState === "destroyed") return { key: "account.notice.billing-refused" };
  try {
    const session = await services.billing.createCheckoutSession({
      subscriptionId: tenant.subscription.id,
      planId: choice.plan,
      interval: choice.interval,
      successUrl: `${choice.returnUrl}?billing=success`,
      cancelUrl: `${choice.returnUrl}?billing=canceled`,
      locale: choice.locale,
    });
    await writeAudit(services.prisma, { ...customer(tenant.customerId), action: "account.checkout", tenantId: tenant.id, outcome: "succeeded", details: { plan: choice.plan, interval: choice.interval } });
    return { url: session.url };
  } catch (error) {
    await writeAudit(services.prisma, { ...customer(tenant.customerId), action: "account.checkout", tenantId: tenant.id, outcome: "failed", details: { plan: choice.plan, interval: choice.interval, error: errorText(error) } });
    return billingNotice(error);
  }
}

/** A Stripe Customer Portal session; null when the token is unknown. */
export async function openBillingPortal(services: AccountActionServices, statusToken: string, choice: { locale: "en" | "fr"; returnUrl: string }): Promise<BillingRedirect | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { statusToken }, select: { id: true, customerId: true, subscription: { select: { id: true } } } });
  if (!tenant) return null;
  if (!services.billing?.configured || !tenant.subscription) return { key: "account.notice.billing-refused" };
  try {
    const session = await services.billing.createPortalSession({ subscriptionId: tenant.subscription.id, returnUrl: choice.returnUrl, locale: choice.locale });
    await writeAudit(services.prisma, { ...customer(tenant.customerId), action: "account.billing_portal", tenantId: tenant.id, outcome: "succeeded" });
    return { url: session.url };
  } catch (error) {
    await writeAudit(services.prisma, { ...customer(tenant.customerId), action: "account.billing_portal", tenantId: tenant.id, outcome: "failed", details: { error: errorText(error) } });
    return billingNotice(error);
  }
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
