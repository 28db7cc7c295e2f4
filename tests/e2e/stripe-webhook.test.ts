// Issue 12, must-show 1 over real HTTP: the real portal (app/server.ts) with Stripe settings takes
// events signed by Stripe's own library at POST /webhooks/stripe: a forged or stale signature is a
// 400 and writes nothing; signed events move a real signup's subscription (plan from the plans
// catalogue by price id); a replay changes nothing. The console shows the Stripe state, the events
// and the MRR; a second portal without Stripe settings answers the webhook 404 and its dashboard
// says "trial-only" in English and French. The tenant page's Billing card is read in Chromium.
import type { Browser } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, signIn, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { freePort, startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const SECRET = "whsec_e2ebillingsecretforthistest0001";
const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
// A price of compose-templates/plans.json (the "pro" plan's monthly price).
const PRICE = { id: "price_REPLACE_pro_monthly", unit_amount: 4900, currency: "eur", recurring: { interval: "month" } };

let shared: SharedDatabase;
let paid: Portal;
let trialOnly: Portal;
let browser: Browser;
let ours = "";
let tenantId = "";

beforeAll(async () => {
  shared = await createSharedDatabase();
  // Stripe's API pointed at a closed local port: the boot check finds it unreachable (a warning), nothing leaves the machine.
  const closed = await freePort();
  [paid, trialOnly, browser] = await Promise.all([
    startPortal({ DATABASE_URL: shared.url, STRIPE_SECRET_KEY: "sk_test_e2ebilling", STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_URL: `http://127.0.0.1:${closed}`, SCHEDULER: "false" }),
    startPortal({ DATABASE_URL: shared.url, SCHEDULER: "false" }),
    launchChromium(),
  ]);
  await addAdmins(shared.db, [{ ...OWNER, role: "owner" }]);
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company: "I Webhook HTTP" }), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } });
  tenantId = tenant.id;
  ours = tenant.subscriptionId!;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([paid?.stop(), trialOnly?.stop()]);
  await shared?.dispose();
});

const secs = (d: Date) => Math.floor(d.getTime() / 1000);
let n = 0;
function event(type: string, object: object, created = new Date()) {
  return { id: `evt_e2e_${++n}_${Date.now()}`, object: "event", api_version: "2026-11-18.endive", type, created: secs(created), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}
const subscriptionObject = (status: string) => ({
  id: "sub_e2e_i",
  object: "subscription",
  customer: "cus_e2e_i",
  status,
  cancel_at_period_end: false,
  ended_at: null,
  metadata: { tenantrySubscriptionId: ours },
  items: { object: "list", data: [{ id: "si_e2e_i", object: "subscription_item", current_period_end: secs(new Date("2027-01-03T00:00:00Z")), price: PRICE }] },
});

/** POSTs the event as Stripe does: JSON, signed with `secret` at `signedAt`. */
async function post(portal: Portal, payload: object, options: { secret?: string; signedAt?: Date } = {}) {
  const body = JSON.stringify(payload);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? SECRET, timestamp: secs(options.signedAt ?? new Date()) });
  const response = await fetch(`${portal.url}/webhooks/stripe`, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature, "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
    body,
  });
  return { status: response.status, body: (await response.json()) as { received?: boolean; outcome?: string; error?: string } };
}

describe("POST /webhooks/stripe on the real portal", () => {
  it("refuses forged and stale signatures with 400 and writes nothing", async () => {
    const created = event("customer.subscription.created", subscriptionObject("active"));
    const forged = await post(paid, created, { secret: "whsec_someoneelsessecret000000000" });
    const stale = await post(paid, created, { signedAt: new Date(Date.now() - 10 * 60_000) });
    for (const answer of [forged, stale]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/^Webhook signature verification failed/);
    }
    expect(await shared.db.prisma.stripeEvent.count()).toBe(0);
    expect(await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: ours } })).toMatchObject({ status: "trialing", stripeSubscriptionId: null, stripeStateAt: null });
    expect(await shared.db.prisma.auditLog.count({ where: { action: { startsWith: "subscription." } } })).toBe(0);
  });

  it("applies signed events, once each, and the console shows the state, the events and the MRR", async () => {
    const checkout = event("checkout.session.completed", { id: "cs_e2e_i", object: "checkout.session", mode: "subscription", client_reference_id: ours, customer: "cus_e2e_i", subscription: "sub_e2e_i" });
    expect(await post(paid, checkout)).toEqual({ status: 200, body: { received: true, outcome: "linked" } });
    const created = event("customer.subscription.created", subscriptionObject("active"), new Date(Date.now() + 1_000));
    expect(await post(paid, created)).toEqual({ status: 200, body: { received: true, outcome: "applied: activated" } });
    expect(await post(paid, created)).toEqual({ status: 200, body: { received: true, outcome: "replayed" } });
    const row = await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: ours } });
    expect(row).toMatchObject({ status: "active", plan: "pro", stripeStatus: "active", stripeCustomerId: "cus_e2e_i", stripeSubscriptionId: "sub_e2e_i", stripePriceAmount: 4900, billingInterval: "month" });
    expect(await shared.db.prisma.stripeEvent.count()).toBe(2);

    const cookie = await signIn(paid.url, OWNER);
    const card = await (await fetch(`${paid.url}/admin/tenants/${tenantId}/billing`, { headers: { Cookie: cookie } })).json();
    expect(card).toMatchObject({ stripeConfigured: true, state: { status: "active", stripeStatus: "active", priceAmount: 4900, priceCurrency: "eur", cancelAtPeriodEnd: false } });
    expect(card.state.events.map((e: { type: string; outcome: string }) => [e.type, e.outcome])).toEqual([
      ["customer.subscription.created", "applied: activated"],
      ["checkout.session.completed", "linked"],
    ]);
    const dashboard = await (await fetch(`${paid.url}/admin`, { headers: { Cookie: cookie, "Accept-Language": "en" } })).text();
    expect(dashboard).not.toContain("trial-only-banner");
    expect(dashboard).toMatch(/data-testid="mrr"><strong>€49\.00<\/strong>/);
    expect(dashboard).toContain("pro<!-- -->: <!-- -->1");

    // The tenant page's Billing card, in Chromium.
    const page = await signInInBrowser(browser, paid.url, OWNER);
    await page.goto(`${paid.url}/admin/tenants/${tenantId}`);
    const billingCard = page.getByTestId("tenant-billing");
    await billingCard.getByTestId("billing-events").waitFor();
    const text = (await billingCard.innerText()).replace(/\s+/g, " ");
    expect(text).toContain("Stripe status active");
    expect(text).toContain("€49.00 per month (price_REPLACE_pro_monthly)");
    expect(text).toContain("Cancels at the period's end no");
    expect(text).toMatch(/customer\.subscription\.created\s*applied: activated/);
    expect(text).toMatch(/checkout\.session\.completed\s*linked/);
  });

  it("without Stripe settings: the webhook answers 404 and the dashboard says trial-only, in English and French", async () => {
    const answer = await post(trialOnly, event("customer.subscription.updated", subscriptionObject("canceled")));
    expect(answer.status).toBe(404);
    expect((await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: ours } })).status).toBe("active");
    const cookie = await signIn(trialOnly.url, OWNER);
    const en = await (await fetch(`${trialOnly.url}/admin`, { headers: { Cookie: cookie, "Accept-Language": "en" } })).text();
    expect(en).toContain("Trial-only: Stripe is not configured.");
    const fr = await (await fetch(`${trialOnly.url}/admin`, { headers: { Cookie: cookie, "Accept-Language": "fr" } })).text();
    expect(fr).toContain("Essais uniquement\u00a0: Stripe n’est pas configuré.");
    expect((await fetch(`${paid.url}/webhooks/stripe`)).status).toBe(405);
  });
});
