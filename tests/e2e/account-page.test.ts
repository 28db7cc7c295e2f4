// Issue 12, must-show 3: in Chromium, a customer opens their account page, sees the days left in
// their trial, subscribes (the Stripe API double's hosted Checkout page stands in for Stripe's) and
// comes back to a paid plan; in English and in French. The real portal (no engine needed: the tenant
// is marked active by the test) reaches the double through STRIPE_API_URL, and the double's signed
// webhooks come back to the portal's /webhooks/stripe, which is what turns the plan paid.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { createSharedDatabase, postForm, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { startStripeDouble, type StripeDouble } from "../stripe-double/server.ts";

const PRICES = [
  { id: "price_kacct_starter_m", unitAmount: 2900, interval: "month" as const, productName: "Starter" },
  { id: "price_kacct_starter_y", unitAmount: 29000, interval: "year" as const, productName: "Starter" },
  { id: "price_kacct_pro_m", unitAmount: 7900, interval: "month" as const, productName: "Professional" },
  { id: "price_kacct_pro_y", unitAmount: 79000, interval: "year" as const, productName: "Professional" },
];
const PLANS = {
  defaultPlan: "starter",
  plans: [
    { id: "starter", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_kacct_starter_m", yearly: "price_kacct_starter_y" }, limits: { memoryMb: 512, cpus: 1 } },
    { id: "pro", names: { en: "Professional", fr: "Professionnel" }, trialDays: 30, stripePrices: { monthly: "price_kacct_pro_m", yearly: "price_kacct_pro_y" }, limits: { memoryMb: 1024, cpus: 2 } },
    { id: "enterprise", names: { en: "Enterprise", fr: "Entreprise" }, trialDays: 30, limits: { memoryMb: 2048, cpus: 2 } },
  ],
};

let shared: SharedDatabase;
let double: StripeDouble;
let portal: Portal;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "k-account-"));
  const plansFile = path.join(dir, "plans.json");
  await writeFile(plansFile, JSON.stringify(PLANS));
  shared = await createSharedDatabase();
  double = await startStripeDouble({ secretKey: "sk_test_kaccountpage0123456789", webhookSecret: "whsec_kaccountpage0123456789", prices: PRICES });
  [portal, browser] = await Promise.all([
    startPortal({
      DATABASE_URL: shared.url,
      STRIPE_SECRET_KEY: double.secretKey,
      STRIPE_WEBHOOK_SECRET: double.webhookSecret,
      STRIPE_API_URL: double.url,
      PLANS_FILE: plansFile,
    }),
    launchChromium(),
  ]);
  double.setWebhookUrl(`${portal.url}/webhooks/stripe`);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await double?.close();
  await shared?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function activeTrial(locale: "en" | "fr", email: string) {
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ email, company: `K Paid ${locale}` }), signupContext({ locale }));
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.update({
    where: { statusToken: outcome.statusToken },
    data: { actualState: "active" },
    select: { id: true, customerId: true, statusToken: true, subscriptionId: true },
  });
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  return tenant;
}

async function newPage(locale: string): Promise<Page> {
  return (await browser.newContext({ locale })).newPage();
}

const cases = [
  {
    locale: "en" as const,
    browserLocale: "en-GB",
    title: "Your account",
    daysLeft: "30 days left in your free trial",
    trial: "Free trial",
    plan: { label: "Professional", id: "pro" },
    interval: { label: "Yearly", id: "year" },
    subscribe: "Subscribe",
    pay: "Pay",
    success: "Thank you! Your payment is being confirmed",
    paid: "Paid (billed yearly)",
    manage: "Manage billing",
  },
  {
    locale: "fr" as const,
    browserLocale: "fr-FR",
    title: "Votre espace client",
    daysLeft: "Encore 30 jours d'essai gratuit",
    trial: "Essai gratuit",
    plan: { label: "Essentiel", id: "starter" },
    interval: { label: "Mensuelle", id: "month" },
    subscribe: "S'abonner",
    pay: "Payer",
    success: "Merci ! Votre paiement est en cours de confirmation",
    paid: "Payé (facturé chaque mois)",
    manage: "Gérer la facturation",
  },
];

describe("the account page: from trial to paid through Stripe Checkout", () => {
  it.each(cases)("($locale) sees the days left, subscribes on the Checkout page and comes back to a paid plan", async (c) => {
    const tenant = await activeTrial(c.locale, `k-paid-${c.locale}@customer.test`);
    const page = await newPage(c.browserLocale);
    await page.goto(`${portal.url}/trial/${tenant.statusToken}`);
    await page.getByRole("heading", { name: c.title }).waitFor();
    expect(await page.getByTestId("days-left").textContent()).toBe(c.daysLeft);
    expect(await page.getByTestId("plan-status").textContent()).toBe(c.trial);
    // Only plans with Stripe prices are offered (Enterprise is an operator's).
    const subscribe = page.getByTestId("subscribe");
    expect(await subscribe.getByRole("radio").count()).toBe(4);
    expect(await subscribe.getByText(c.locale === "en" ? "Enterprise" : "Entreprise").count()).toBe(0);

    await subscribe.getByLabel(c.plan.label).check();
    await subscribe.getByLabel(c.interval.label).check();
    await subscribe.getByRole("button", { name: c.subscribe }).click();

    // The double's hosted Checkout page, in the customer's language.
    await page.waitForURL((url) => url.toString().startsWith(double.url));
    await page.getByRole("button", { name: c.pay, exact: true }).click();

    // Back on the account page: the payment is confirmed by the webhook, and the page shows it.
    await page.waitForURL((url) => url.toString().startsWith(`${portal.url}/trial/${tenant.statusToken}`));
    await page.getByTestId("notice").filter({ hasText: c.success }).waitFor();
    await page.locator('[data-testid="plan-status"][data-status="active"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("plan-status").textContent()).toBe(c.paid);
    expect(await page.getByTestId("plan").textContent()).toBe(c.plan.label);
    expect(await page.getByTestId("days-left").count()).toBe(0);
    await page.getByTestId("billing-manage").getByRole("button", { name: c.manage }).waitFor();
    expect(await page.getByTestId("subscribe").count()).toBe(0);

    const subscription = await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: tenant.subscriptionId! } });
    expect([subscription.status, subscription.plan, subscription.billingInterval]).toEqual(["active", c.plan.id, c.interval.id]);
    expect(subscription.stripeSubscriptionId).toMatch(/^sub_/);
    const checkouts = await shared.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id, action: "account.checkout" } });
    expect(checkouts.map((a) => [a.actorType, a.actorId, a.outcome])).toEqual([["customer", tenant.customerId, "succeeded"]]);

    // Manage billing opens the double's Customer Portal page for this customer.
    await page.getByTestId("billing-manage").getByRole("button", { name: c.manage }).click();
    await page.waitForURL((url) => url.toString().startsWith(double.url));
    expect(double.requests.filter((r) => r.path === "/v1/billing_portal/sessions").at(-1)?.params).toMatchObject({ customer: subscription.stripeCustomerId });
  });

  it("closing a paid account cancels the Stripe subscription first; with Stripe unreachable nothing is deleted", async () => {
    const tenant = await activeTrial("en", "k-close-paid@customer.test");
    const slug = (await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).slug;
    const checkout = await postForm(`${portal.url}/trial/${tenant.statusToken}/billing/checkout`, { plan: "starter", interval: "month" });
    expect(checkout.status).toBe(303);
    const sessionId = new URL(checkout.headers.get("Location")!).pathname.split("/").at(-1)!;
    const { subscriptionId } = await double.completeCheckout(sessionId);
    const paid = await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: tenant.subscriptionId! } });
    expect([paid.status, paid.stripeSubscriptionId]).toEqual(["active", subscriptionId]);

    await double.stop();
    try {
      const refused = await postForm(`${portal.url}/trial/${tenant.statusToken}/close`, { confirm: slug });
      expect(refused.headers.get("Location")).toBe(`/trial/${tenant.statusToken}?notice=close-stripe`);
    } finally {
      await double.start();
    }
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "destroy" } })).toBe(0);
    expect((await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).desiredState).toBe("active");

    const closed = await postForm(`${portal.url}/trial/${tenant.statusToken}/close`, { confirm: slug });
    expect(closed.headers.get("Location")).toBe(`/trial/${tenant.statusToken}?notice=closing`);
    expect(double.requests.filter((r) => r.method === "DELETE" && r.path === `/v1/subscriptions/${subscriptionId}` && r.status === 200)).toHaveLength(1);
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "destroy", status: "queued" } })).toBe(1);
    // Stripe's customer.subscription.deleted found the tenant already leaving: no suspension, no email about one.
    await double.settle();
    expect(double.deliveries.filter((d) => d.type === "customer.subscription.deleted").map((d) => d.status)).toEqual([200]);
    expect(await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: tenant.subscriptionId! }, select: { status: true } })).toEqual({ status: "canceled" });
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "suspend" } })).toBe(0);
    expect(await shared.db.prisma.emailOutbox.count({ where: { tenantId: tenant.id, purpose: { not: "credentials" } } })).toBe(0);
    const audit = await shared.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id, action: "account.close" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.outcome, a.actorType, (a.details as { reason?: string; canceledAtStripe?: boolean }).reason ?? (a.details as { canceledAtStripe?: boolean }).canceledAtStripe])).toEqual([
      ["failed", "customer", "stripe"],
      ["queued", "customer", true],
    ]);
  });
});
