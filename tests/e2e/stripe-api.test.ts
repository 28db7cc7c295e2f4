// Tenantry's outgoing Stripe calls (orchestrator/billing/stripe-api.ts) against the Stripe API
// double (tests/stripe-double/), reached through the SDK's own host/port/protocol settings as
// STRIPE_API_URL gives them: what the Checkout session asks of Stripe (subscription mode, our id
// as client_reference_id and in the subscription's metadata, the remaining trial handed over only
// when ≥ 48 h), the hosted page completing it and the signed events it sends (verified here with
// Stripe's own constructEvent), the Customer Portal session and its cancellation at period end, a
// subscription canceled at once, and the boot check (key refused, price missing or on the wrong
// interval, Stripe unreachable). A test database holds the customer and subscription rows.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BillingError, stripeApi, STRIPE_API_VERSION, type StripeApi } from "../../orchestrator/billing/stripe-api.ts";
import type { BillingSettings } from "../../orchestrator/billing/settings.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { parsePlans, type PlanCatalog } from "../../orchestrator/plans/index.ts";
import { startStripeDouble, type StripeDouble } from "../stripe-double/server.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
const PLANS = JSON.stringify({
  defaultPlan: "starter",
  plans: [
    { id: "starter", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_j_starter_m", yearly: "price_j_starter_y" }, limits: { memoryMb: 512, cpus: 1 } },
    { id: "pro", names: { en: "Professional", fr: "Professionnel" }, trialDays: 30, stripePrices: { monthly: "price_j_pro_m" }, limits: { memoryMb: 1024, cpus: 2 } },
    { id: "enterprise", names: { en: "Enterprise", fr: "Entreprise" }, trialDays: 30, limits: { memoryMb: 2048, cpus: 2 } },
  ],
});

interface Received {
  event: Stripe.Event;
}

describe("outgoing Stripe calls against the Stripe API double", () => {
  let testDb: TestDatabase;
  let double: StripeDouble;
  let plans: PlanCatalog;
  let receiver: Server;
  const received: Received[] = [];
  const refused: string[] = [];
  let api: StripeApi;
  let settings: BillingSettings;

  beforeAll(async () => {
    testDb = await createTestDatabase("embedded");
    plans = parsePlans(PLANS, "plans-j.json");
    double = await startStripeDouble({
      prices: [
        { id: "price_j_starter_m", unitAmount: 1900, interval: "month", productName: "Starter" },
        { id: "price_j_starter_y", unitAmount: 19000, interval: "year", productName: "Starter" },
        { id: "price_j_pro_m", unitAmount: 4900, interval: "month", productName: "Professional" },
      ],
    });
    // The endpoint checks each delivery's signature with Stripe's own library, as the portal's does.
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        try {
          received.push({ event: Stripe.webhooks.constructEvent(raw, String(req.headers["stripe-signature"]), double.webhookSecret) });
          res.writeHead(200).end("{}");
        } catch (error) {
          refused.push(error instanceof Error ? error.message : String(error));
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    double.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`);
    const url = new URL(double.url);
    settings = {
      stripe: { secretKey: double.secretKey, webhookSecret: double.webhookSecret, api: { protocol: "http", host: url.hostname, port: Number(url.port) } },
      graceDays: 7,
      trialHandoff: "remaining-days",
    };
    api = stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: settings, plans });
  });

  afterAll(async () => {
    await double?.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await testDb?.dispose();
  });

  let counter = 0;
  async function subscription(trialDaysLeft: number, locale = "en") {
    counter++;
    const customer = await testDb.db.prisma.customer.create({
      data: { email: `j-billing-${counter}-${Date.now()}@example.com`, firstName: "Jeanne", lastName: "Payeur", company: `J Billing ${counter}`, phone: "+33612345678", locale },
    });
    return testDb.db.prisma.subscription.create({ data: { customerId: customer.id, plan: "starter", status: "trialing", trialEndsAt: new Date(Date.now() + trialDaysLeft * DAY) } });
  }

  const lastCheckoutParams = () => double.requests.filter((r) => r.method === "POST" && r.path === "/v1/checkout/sessions").at(-1)!.params;

  it("asks for a subscription-mode Checkout for our subscription, hands over the remaining trial, and the hosted page completes it with signed events", async () => {
    const row = await subscription(20, "fr");
    const session = await api.createCheckoutSession({ subscriptionId: row.id, planId: "starter", interval: "month", successUrl: "http://127.0.0.1:9/trial/t?billing=success", cancelUrl: "http://127.0.0.1:9/trial/t?billing=canceled" });
    expect(session.url).toBe(`${double.url}/c/pay/${session.id}`);
    const sent = lastCheckoutParams();
    expect(sent).toMatchObject({
      mode: "subscription",
      client_reference_id: row.id,
      customer_email: expect.stringMatching(/^j-billing-/),
      locale: "fr",
      line_items: [{ price: "price_j_starter_m", quantity: "1" }],
      subscription_data: { metadata: { tenantrySubscriptionId: row.id }, trial_end: String(Math.floor(row.trialEndsAt!.getTime() / 1000)) },
    });
    // The SDK pinned the version the double follows.
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);

    // The customer's page, in French (the session's locale), then "Payer".
    const page = await (await fetch(session.url)).text();
    expect(page).toContain(">Payer</button>");
    const paid = await fetch(session.url, { method: "POST", body: new URLSearchParams(), redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe("http://127.0.0.1:9/trial/t?billing=success");

    const events = received.map((r) => r.event).filter((e) => JSON.stringify(e.data.object).includes(row.id));
    expect(events.map((e) => e.type)).toEqual(["checkout.session.completed", "customer.subscription.created", "invoice.paid"]);
    expect(refused).toEqual([]);
    const completed = events[0]!.data.object as Stripe.Checkout.Session;
    expect(completed).toMatchObject({ client_reference_id: row.id, status: "complete", mode: "subscription" });
    const created = events[1]!.data.object as Stripe.Subscription;
    expect(created).toMatchObject({ id: completed.subscription, status: "trialing", trial_end: Math.floor(row.trialEndsAt!.getTime() / 1000), metadata: { tenantrySubscriptionId: row.id } });
    expect(created.items.data[0]!.price.id).toBe("price_j_starter_m");
    expect(events.every((e) => e.api_version === STRIPE_API_VERSION)).toBe(true);
    // The page of a completed session no longer takes a payment.
    expect((await fetch(session.url, { method: "POST", body: new URLSearchParams() })).status).toBe(409);
  });

  it("hands over no trial when ours ends in less than 48 hours, or with BILLING_TRIAL_HANDOFF=none: billing starts at checkout", async () => {
    const soon = await subscription(1.5);
    await api.createCheckoutSession({ subscriptionId: soon.id, planId: "pro", interval: "month", successUrl: "http://127.0.0.1:9/ok", cancelUrl: "http://127.0.0.1:9/no" });
    const sent = lastCheckoutParams() as { subscription_data: Record<string, unknown>; line_items: { price: string }[] };
    expect(sent.subscription_data.trial_end).toBeUndefined();
    expect(sent.line_items[0]!.price).toBe("price_j_pro_m");

    const later = await subscription(20);
    const noHandoff = stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: { ...settings, trialHandoff: "none" }, plans });
    const session = await noHandoff.createCheckoutSession({ subscriptionId: later.id, planId: "starter", interval: "year", successUrl: "http://127.0.0.1:9/ok", cancelUrl: "http://127.0.0.1:9/no" });
    expect((lastCheckoutParams() as { subscription_data: Record<string, unknown> }).subscription_data.trial_end).toBeUndefined();
    const done = await double.completeCheckout(session.id);
    const sub = double.store.subscriptions.get(done.subscriptionId)!;
    expect(sub.status).toBe("active");
    const invoice = double.store.invoices.get(sub.latest_invoice as string)!;
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 19000 });
  });

  it("refuses what cannot be bought, and a second Checkout for a subscription already paid", async () => {
    const row = await subscription(20);
    await expect(api.createCheckoutSession({ subscriptionId: row.id, planId: "enterprise", interval: "month", successUrl: "http://x/ok", cancelUrl: "http://x/no" })).rejects.toMatchObject({ code: "no_price" });
    await expect(api.createCheckoutSession({ subscriptionId: row.id, planId: "pro", interval: "year", successUrl: "http://x/ok", cancelUrl: "http://x/no" })).rejects.toMatchObject({ code: "no_price", message: expect.stringContaining("yearly") });
    await testDb.db.prisma.subscription.update({ where: { id: row.id }, data: { stripeSubscriptionId: `sub_j_${row.id}`, stripeCustomerId: "cus_j", stripeStatus: "active" } });
    await expect(api.createCheckoutSession({ subscriptionId: row.id, planId: "starter", interval: "month", successUrl: "http://x/ok", cancelUrl: "http://x/no" })).rejects.toMatchObject({ code: "already_subscribed" });
    const trialOnly = stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: { graceDays: 7, trialHandoff: "remaining-days" }, plans });
    expect(trialOnly.configured).toBe(false);
    await expect(trialOnly.createCheckoutSession({ subscriptionId: row.id, planId: "starter", interval: "month", successUrl: "http://x/ok", cancelUrl: "http://x/no" })).rejects.toMatchObject({ code: "not_configured" });
  });

  it("opens the Customer Portal for a linked customer, where canceling at period end sends customer.subscription.updated", async () => {
    const row = await subscription(20);
    await expect(api.createPortalSession({ subscriptionId: row.id, returnUrl: "http://127.0.0.1:9/back" })).rejects.toMatchObject({ code: "not_linked" });
    const session = await api.createCheckoutSession({ subscriptionId: row.id, planId: "starter", interval: "month", successUrl: "http://127.0.0.1:9/ok", cancelUrl: "http://127.0.0.1:9/no" });
    const done = await double.completeCheckout(session.id);
    await testDb.db.prisma.subscription.update({ where: { id: row.id }, data: { stripeCustomerId: done.customerId, stripeSubscriptionId: done.subscriptionId, stripeStatus: "trialing" } });

    const portal = await api.createPortalSession({ subscriptionId: row.id, returnUrl: "http://127.0.0.1:9/back", locale: "en" });
    expect(double.requests.at(-1)).toMatchObject({ path: "/v1/billing_portal/sessions", status: 200, params: { customer: done.customerId, return_url: "http://127.0.0.1:9/back" } });
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("Cancel plan");
    expect(page).toContain('href="http://127.0.0.1:9/back"');
    const action = /action="([^"]+\/cancel\/[^"]+)"/.exec(page)![1]!;
    expect((await fetch(new URL(action, double.url), { method: "POST", redirect: "manual" })).status).toBe(303);
    const updated = received.map((r) => r.event).filter((e) => e.type === "customer.subscription.updated" && (e.data.object as Stripe.Subscription).id === done.subscriptionId);
    expect(updated).toHaveLength(1);
    expect(updated[0]!.data.object).toMatchObject({ cancel_at_period_end: true, status: "trialing" });
    expect(updated[0]!.data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    expect((await (await fetch(portal.url)).text())).toContain("Renew plan");
  });

  it("cancels a live Stripe subscription at once (an account closed); a second time finds nothing to cancel", async () => {
    const row = await subscription(20);
    const session = await api.createCheckoutSession({ subscriptionId: row.id, planId: "starter", interval: "month", successUrl: "http://127.0.0.1:9/ok", cancelUrl: "http://127.0.0.1:9/no" });
    const done = await double.completeCheckout(session.id);
    expect(await api.cancelSubscription(row.id)).toEqual({ canceled: false });
    await testDb.db.prisma.subscription.update({ where: { id: row.id }, data: { stripeCustomerId: done.customerId, stripeSubscriptionId: done.subscriptionId, stripeStatus: "trialing" } });
    expect(await api.cancelSubscription(row.id)).toEqual({ canceled: true });
    await double.settle();
    expect(double.store.subscriptions.get(done.subscriptionId)).toMatchObject({ status: "canceled" });
    expect(received.some((r) => r.event.type === "customer.subscription.deleted" && (r.event.data.object as Stripe.Subscription).id === done.subscriptionId)).toBe(true);
    expect(await api.cancelSubscription(row.id)).toEqual({ canceled: false });
  });

  it("boot check: the key and every plan's prices accepted; a wrong key, a missing or misfiled price, and Stripe unreachable each said", async () => {
    expect(await api.checkStripe()).toMatchObject({ status: "ok", problems: [], pricesChecked: 3 });

    const wrongKey = stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: { ...settings, stripe: { ...settings.stripe!, secretKey: "sk_test_notthekey0000000000001234" } }, plans });
    const keyReport = await wrongKey.checkStripe();
    expect(keyReport.status).toBe("problems");
    expect(keyReport.problems).toEqual([{ kind: "key", message: expect.stringContaining("Stripe refused the secret key") }]);
    expect(keyReport.problems[0]!.message).not.toContain("sk_test_notthekey0000000000001234");

    const badPrices = parsePlans(
      JSON.stringify({
        defaultPlan: "starter",
        plans: [{ id: "starter", names: { en: "S", fr: "S" }, trialDays: 30, stripePrices: { monthly: "price_j_starter_y", yearly: "price_j_nowhere" }, limits: { memoryMb: 512, cpus: 1 } }],
      }),
      "plans-bad.json",
    );
    const priceReport = await stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: settings, plans: badPrices }).checkStripe();
    expect(priceReport.status).toBe("problems");
    expect(priceReport.problems).toEqual([
      { kind: "price", plan: "starter", priceId: "price_j_starter_y", message: expect.stringMatching(/plan "starter" \(plans-bad\.json\), stripePrices\.monthly: price price_j_starter_y is billed every year/) },
      { kind: "price", plan: "starter", priceId: "price_j_nowhere", message: expect.stringContaining("Stripe has no price price_j_nowhere") },
    ]);

    await double.stop();
    try {
      const quick = stripeApi({ prisma: testDb.db.prisma, clock: systemClock, logger: silentLogger, billing: settings, plans });
      const down = await quick.checkStripe();
      expect(down).toMatchObject({ status: "unreachable", problems: [], error: expect.stringContaining("could not be reached") });
      expect(quick.lastCheck()).toBe(down);
    } finally {
      await double.start();
    }
  });
});
