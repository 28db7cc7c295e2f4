// The console's plan change on a subscription billed through Stripe, on the real portal (PostgreSQL,
// no worker, no scheduler) with the Stripe API double as STRIPE_API_URL: a subscription paid through
// the double's Checkout on p-basic (monthly) moved to p-plus by an operator goes through Stripe (the
// item's price replaced, prorated, metadata kept), then the one billing writer sets the plan and
// queues change_plan, every entry naming the operator; the webhook that follows is older than that
// state and changes nothing. A plan without a monthly price, Stripe down, and a portal without
// Stripe settings are refused in the admin's language with nothing changed at Stripe nor here; a
// subscription Stripe does not bill keeps the console's own path. Then the double's
// POST /v1/subscriptions/:id itself: its refusals (unknown item or price, inactive price, unknown
// proration_behavior, a canceled subscription) and its change (metadata merged, the event's
// previous_attributes).
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STRIPE_API_VERSION, type StripeApi } from "../../orchestrator/billing/stripe-api.ts";
import { startStripeDouble, type StripeDouble } from "../stripe-double/server.ts";
import { consoleCsrf, postForm, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { trialSignup } from "../support/signup-fixtures.ts";
import { payThroughCheckout, stripeApiOnDouble } from "../support/stripe-double-client.ts";
import { startStripePortal, type StripePortal } from "../support/stripe-portal.ts";

const OPERATOR = { email: "p-operator@example.com", password: "p-operator-password-1" };
// Brief P's test ports are 48100-48199: the doubles listen on fixed ones of them.
const DOUBLE_PORT = 48119;
const SECOND_DOUBLE_PORT = 48120;

const PLANS = {
  defaultPlan: "p-basic",
  plans: [
    { id: "p-basic", names: { en: "Basic", fr: "Base" }, trialDays: 30, stripePrices: { monthly: "price_p_basic_m", yearly: "price_p_basic_y" }, limits: { memoryMb: 256, cpus: 0.5 } },
    { id: "p-plus", names: { en: "Plus", fr: "Plus" }, trialDays: 30, stripePrices: { monthly: "price_p_plus_m" }, limits: { memoryMb: 512, cpus: 1 } },
    { id: "p-yearly", names: { en: "Yearly", fr: "Annuel" }, trialDays: 30, stripePrices: { yearly: "price_p_yearly_y" }, limits: { memoryMb: 1024, cpus: 2 } },
    // Its price is archived at Stripe (the boot check says so; Stripe refuses it).
    { id: "p-archived", names: { en: "Archived", fr: "Archivée" }, trialDays: 30, stripePrices: { monthly: "price_p_archived_m" }, limits: { memoryMb: 512, cpus: 1 } },
  ],
};
const PRICES = [
  { id: "price_p_basic_m", unitAmount: 1900, interval: "month" as const, productName: "Basic" },
  { id: "price_p_basic_y", unitAmount: 19000, interval: "year" as const, productName: "Basic" },
  { id: "price_p_plus_m", unitAmount: 4900, interval: "month" as const, productName: "Plus" },
  { id: "price_p_yearly_y", unitAmount: 90000, interval: "year" as const, productName: "Yearly" },
  { id: "price_p_archived_m", unitAmount: 100, interval: "month" as const, productName: "Archived", active: false },
];

function words(html: string): string {
  const body = html.slice(html.indexOf("<main>"), html.indexOf("</main>"));
  return body.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}

describe("the console's plan change on a subscription billed through Stripe", () => {
  let lab: StripePortal | undefined;
  let shared: SharedDatabase;
  let double: StripeDouble;
  let portal: Portal;
  let api: StripeApi;

  beforeAll(async () => {
    lab = await startStripePortal({
      name: "p-console-plan",
      plans: PLANS,
      double: { port: DOUBLE_PORT, prices: PRICES },
      admins: [{ ...OPERATOR, role: "operator" }],
      // Jobs stay queued (no engine work), and no task moves anything while the test looks.
      portalEnv: { WORKER: "false", SCHEDULER: "false" },
    });
    ({ shared, double, portal } = lab);
    // The customer's side of Checkout, as the account page asks for it (a client of our own, no trial handed over).
    api = stripeApiOnDouble({ prisma: shared.db.prisma, double, plansFile: lab.plansFile });
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
  });

  async function trialTenant(company: string) {
    const tenant = await trialSignup(shared.db.prisma, { email: `${company.replaceAll(" ", ".").toLowerCase()}@example.com`, company });
    return { tenantId: tenant.id, subscriptionId: tenant.subscriptionId! };
  }

  /** A signup that paid p-basic monthly through the double's Checkout (its events applied by the portal's webhook). */
  async function paidTenant(company: string) {
    const t = await trialTenant(company);
    const done = await payThroughCheckout(api, double, { subscriptionId: t.subscriptionId, planId: "p-basic", interval: "month", successUrl: `${portal.url}/ok`, cancelUrl: `${portal.url}/no` });
    expect(done.deliveries).toEqual([200, 200, 200, 200]);
    const row = await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: t.subscriptionId } });
    expect(row).toMatchObject({ plan: "p-basic", status: "active", stripeStatus: "active", stripeSubscriptionId: done.subscriptionId, stripePriceId: "price_p_basic_m", billingInterval: "month" });
    return { ...t, stripeSubscriptionId: done.subscriptionId };
  }

  async function changePlan(on: Portal, tenantId: string, plan: string, language: "en" | "fr") {
    const headers = { Cookie: await signIn(on.url, OPERATOR), "Accept-Language": language };
    const csrf = await consoleCsrf(on.url, `/admin/tenants/${tenantId}`, headers);
    const response = await postForm(`${on.url}/admin/tenants/${tenantId}`, { csrf, intent: "plan", plan }, headers);
    return { status: response.status, text: words(await response.text()) };
  }

  async function stateOf(t: { tenantId: string; subscriptionId: string }) {
    const [subscription, jobs, audit] = await Promise.all([
      shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: t.subscriptionId } }),
      shared.db.prisma.provisioningJob.findMany({ where: { tenantId: t.tenantId, kind: "change_plan" } }),
      shared.db.prisma.auditLog.findMany({ where: { tenantId: t.tenantId }, orderBy: { id: "asc" } }),
    ]);
    return { subscription, jobs, audit };
  }

  const updatesOf = (stripeSubscriptionId: string) => double.requests.filter((r) => r.method === "POST" && r.path === `/v1/subscriptions/${stripeSubscriptionId}`);
  const stripePriceOf = (stripeSubscriptionId: string) => (double.store.itemOf(double.store.subscriptions.get(stripeSubscriptionId)!).price as { id: string }).id;

  /**
   * Nothing changed at Stripe (the item still on p-basic's price) nor here (the subscription as it
   * was, no change_plan job); returns the audit entries written since `before`.
   */
  async function unchangedSince(t: { tenantId: string; subscriptionId: string; stripeSubscriptionId: string }, before: Awaited<ReturnType<typeof stateOf>>) {
    expect(stripePriceOf(t.stripeSubscriptionId)).toBe("price_p_basic_m");
    const after = await stateOf(t);
    expect(after.subscription).toEqual(before.subscription);
    expect(after.jobs).toEqual([]);
    return after.audit.slice(before.audit.length);
  }

  it("changes the price at Stripe, then the billing writer sets the plan and queues change_plan, all naming the operator; the webhook that follows changes nothing", async () => {
    const t = await paidTenant("P Stripe Plan");
    const before = await stateOf(t);
    expect(before.jobs).toEqual([]);
    const itemId = double.store.itemOf(double.store.subscriptions.get(t.stripeSubscriptionId)!).id as string;

    // Stripe's webhook for the change is held back, to be delivered once the console's answer is in.
    double.setWebhookUrl(undefined);
    const answer = await changePlan(portal, t.tenantId, "p-plus", "en");
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("Plan changed to p-plus at Stripe (the difference is prorated on the next invoice); its limits are being applied to the containers.");

    // At Stripe: the one item's price replaced, prorated, our metadata kept and the plan named.
    const updates = updatesOf(t.stripeSubscriptionId);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      status: 200,
      params: { items: [{ id: itemId, price: "price_p_plus_m" }], proration_behavior: "create_prorations", metadata: { tenantrySubscriptionId: t.subscriptionId, plan: "p-plus" } },
    });
    expect(stripePriceOf(t.stripeSubscriptionId)).toBe("price_p_plus_m");

    // Here: the plan from the price, the job and every entry naming the operator.
    const after = await stateOf(t);
    expect(after.subscription).toMatchObject({ plan: "p-plus", status: "active", stripeStatus: "active", stripePriceId: "price_p_plus_m", stripePriceAmount: 4900, billingInterval: "month" });
    expect(after.jobs.map((j) => [j.kind, j.status, j.requestedBy])).toEqual([["change_plan", "queued", OPERATOR.email]]);
    const added = after.audit.slice(before.audit.length).map((a) => [a.action, a.actorType, a.actorId, a.outcome]);
    expect(added).toEqual([
      ["subscription.synced", "admin", OPERATOR.email, "succeeded"],
      ["subscription.plan_changed", "admin", OPERATOR.email, "queued"],
      ["admin.plan", "admin", OPERATOR.email, "queued"],
    ]);
    expect(after.audit.at(-1)!.details).toMatchObject({ via: "stripe", from: "p-basic", to: "p-plus", interval: "month", priceId: "price_p_plus_m", previousPriceId: "price_p_basic_m" });
    expect(after.audit.find((a) => a.action === "subscription.plan_changed")!.details).toMatchObject({ from: "p-basic", to: "p-plus", jobId: after.jobs[0]!.id });

    // Stripe's customer.subscription.updated, as Stripe sends it: the items as they were.
    await double.settle();
    const updated = double.events("customer.subscription.updated").at(-1)!;
    const previousItems = (updated.data.previous_attributes as { items: { data: { id: string; price: { id: string } }[] } }).items.data;
    expect(previousItems.map((i) => [i.id, i.price.id])).toEqual([[itemId, "price_p_basic_m"]]);
    expect((updated.data.object.items as { data: { price: { id: string }; plan: { id: string } }[] }).data.map((i) => [i.price.id, i.plan.id])).toEqual([["price_p_plus_m", "price_p_plus_m"]]);
    double.setWebhookUrl(`${portal.url}/webhooks/stripe`);
    expect((await double.redeliver(updated.id)).status).toBe(200);
    expect(await shared.db.prisma.stripeEvent.findUniqueOrThrow({ where: { id: updated.id } })).toMatchObject({ outcome: "stale", subscriptionId: t.subscriptionId });
    const settled = await stateOf(t);
    expect(settled.subscription).toEqual(after.subscription);
    expect(settled.jobs).toEqual(after.jobs);
    expect(settled.audit).toEqual(after.audit);
  });

  it("refuses a plan without a price for the subscription's interval, in English and French: nothing is sent to Stripe, nothing changes", async () => {
    const t = await paidTenant("P Stripe No Price");
    const before = await stateOf(t);
    const en = await changePlan(portal, t.tenantId, "p-yearly", "en");
    expect(en.status).toBe(409);
    expect(en.text).toContain("Plan p-yearly has no monthly Stripe price, and this subscription is billed monthly: add stripePrices.monthly to it in the plans file (PLANS_FILE), or choose another plan. Nothing was changed.");
    const fr = await changePlan(portal, t.tenantId, "p-yearly", "fr");
    expect(fr.status).toBe(409);
    expect(fr.text).toContain("L'offre p-yearly n'a pas de prix Stripe mensuel, et cet abonnement est facturé au mois : ajoutez-lui stripePrices.monthly dans le fichier des offres (PLANS_FILE)");

    expect(updatesOf(t.stripeSubscriptionId)).toEqual([]);
    const added = await unchangedSince(t, before);
    expect(added.map((a) => [a.action, a.actorId, a.outcome, (a.details as { reason?: string; via?: string }).reason, (a.details as { via?: string }).via])).toEqual([
      ["admin.plan", OPERATOR.email, "refused", "refused.planStripe.noMonthlyPrice", "stripe"],
      ["admin.plan", OPERATOR.email, "refused", "refused.planStripe.noMonthlyPrice", "stripe"],
    ]);
  });

  it("says Stripe's own refusal (an archived price), in English and French, changing nothing", async () => {
    const t = await paidTenant("P Stripe Refused");
    const before = await stateOf(t);
    const en = await changePlan(portal, t.tenantId, "p-archived", "en");
    expect(en.status).toBe(502);
    expect(en.text).toContain("Stripe refused the plan change, so nothing was changed: Stripe refused while changing subscription");
    expect(en.text).toContain("The price specified is inactive. This field only accepts active prices. (parameter items[0][price])");
    const fr = await changePlan(portal, t.tenantId, "p-archived", "fr");
    expect(fr.text).toContain("Stripe a refusé le changement d'offre, rien n'a été modifié : Stripe refused while changing subscription");
    expect(updatesOf(t.stripeSubscriptionId).map((r) => r.status)).toEqual([400, 400]);
    expect((await unchangedSince(t, before)).map((a) => [a.action, a.outcome, (a.details as { reason?: string }).reason])).toEqual([
      ["admin.plan", "refused", "refused.planStripe.refused"],
      ["admin.plan", "refused", "refused.planStripe.refused"],
    ]);
  });

  it("refuses while Stripe cannot be reached (\"unreachable\"), changing nothing", async () => {
    const t = await paidTenant("P Stripe Down");
    const before = await stateOf(t);
    await double.stop();
    try {
      const en = await changePlan(portal, t.tenantId, "p-plus", "en");
      expect(en.status).toBe(503);
      expect(en.text).toContain("Stripe could not be reached, so the plan was not changed; try again in a moment.");
    } finally {
      await double.start();
    }
    expect(updatesOf(t.stripeSubscriptionId)).toEqual([]);
    expect((await unchangedSince(t, before)).map((a) => [a.action, a.outcome, (a.details as { reason?: string }).reason])).toEqual([["admin.plan", "refused", "refused.planStripe.unreachable"]]);
  });

  it("a portal without Stripe settings refuses to change a Stripe-billed plan (FR and EN), and a subscription Stripe does not bill keeps the console's own path", async () => {
    const t = await paidTenant("P Stripe Not Configured");
    const before = await stateOf(t);
    const requestsBefore = double.requests.length;
    const trialOnly = await startPortal({ DATABASE_URL: shared.url, PLANS_FILE: lab!.plansFile, WORKER: "false", SCHEDULER: "false" });
    try {
      const en = await changePlan(trialOnly, t.tenantId, "p-plus", "en");
      expect(en.status).toBe(409);
      expect(en.text).toContain("This subscription is paid through Stripe, but Stripe is not configured on this portal (STRIPE_SECRET_KEY): its plan can only be changed at Stripe. Nothing was changed.");
      const fr = await changePlan(trialOnly, t.tenantId, "p-plus", "fr");
      expect(fr.text).toContain("Cet abonnement est payé via Stripe, mais Stripe n'est pas configuré sur ce portail (STRIPE_SECRET_KEY)");
    } finally {
      await trialOnly.stop();
    }
    const after = await stateOf(t);
    expect(after.subscription).toEqual(before.subscription);
    expect(after.jobs).toEqual([]);
    expect(double.requests.length).toBe(requestsBefore);

    // A trial (no Stripe subscription) on the Stripe portal: the plan written here, no call to Stripe.
    const trial = await trialTenant("P Stripe Trial");
    const answer = await changePlan(portal, trial.tenantId, "p-plus", "en");
    expect(answer.status).toBe(200);
    const jobs = (await stateOf(trial)).jobs;
    expect(answer.text).toContain(`Plan changed to p-plus; its limits are applied to the containers by job ${jobs[0]!.id.slice(0, 8)}.`);
    expect((await stateOf(trial)).subscription).toMatchObject({ plan: "p-plus", status: "active", stripeSubscriptionId: null });
    expect(double.requests.length).toBe(requestsBefore);
  });
});

describe("the Stripe double's POST /v1/subscriptions/:id", () => {
  let double: StripeDouble;
  let stripe: Stripe;

  beforeAll(async () => {
    double = await startStripeDouble({ port: SECOND_DOUBLE_PORT, prices: PRICES });
    stripe = new Stripe(double.secretKey, { apiVersion: STRIPE_API_VERSION, host: "127.0.0.1", port: SECOND_DOUBLE_PORT, protocol: "http", maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await double?.close();
  });

  async function subscribed() {
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: "price_p_basic_m", quantity: 1 }],
      customer_email: "p-double@example.com",
      subscription_data: { metadata: { tenantrySubscriptionId: "ours_1", plan: "p-basic" } },
      success_url: "http://127.0.0.1:9/ok",
    });
    const { subscriptionId } = await double.completeCheckout(session.id);
    const subscription = await stripe.subscriptions.retrieve(subscriptionId);
    return { id: subscriptionId, itemId: subscription.items.data[0]!.id };
  }

  it("refuses an unknown item or price, an inactive price and an unknown proration_behavior, as Stripe does, changing nothing and sending nothing", async () => {
    const s = await subscribed();
    const eventsBefore = double.events().length;
    const refusal = (params: Stripe.SubscriptionUpdateParams) => stripe.subscriptions.update(s.id, params).then(() => null, (error: unknown) => error);
    expect(await refusal({ items: [{ id: "si_nothere", price: "price_p_plus_m" }] })).toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 400,
      code: "resource_missing",
      param: "items[0][id]",
      message: expect.stringMatching(/No such subscription_item: 'si_nothere'$/),
    });
    expect(await refusal({ items: [{ id: s.itemId, price: "price_nothere" }] })).toMatchObject({ statusCode: 400, code: "resource_missing", param: "items[0][price]", message: expect.stringMatching(/No such price: 'price_nothere'$/) });
    expect(await refusal({ items: [{ id: s.itemId, price: "price_p_archived_m" }] })).toMatchObject({
      statusCode: 400,
      param: "items[0][price]",
      message: expect.stringMatching(/The price specified is inactive\. This field only accepts active prices\.$/),
    });
    expect(await refusal({ items: [{ id: s.itemId, price: "price_p_plus_m" }], proration_behavior: "sometimes" as "none" })).toMatchObject({ statusCode: 400, param: "proration_behavior" });
    expect(double.events().length).toBe(eventsBefore);
    const unchanged = await stripe.subscriptions.retrieve(s.id);
    expect(unchanged.items.data.map((i) => i.price.id)).toEqual(["price_p_basic_m"]);
  });

  it("replaces the item's price, merges the metadata (an empty value removes a key) and sends customer.subscription.updated with what was", async () => {
    const s = await subscribed();
    const updated = await stripe.subscriptions.update(s.id, { items: [{ id: s.itemId, price: "price_p_plus_m" }], proration_behavior: "none", metadata: { plan: "p-plus", note: "" } });
    expect(updated.items.data.map((i) => [i.id, i.price.id, i.quantity])).toEqual([[s.itemId, "price_p_plus_m", 1]]);
    expect(updated.metadata).toEqual({ tenantrySubscriptionId: "ours_1", plan: "p-plus" });
    await double.settle();
    const event = double.events("customer.subscription.updated").at(-1)!;
    expect(event.data.object.id).toBe(s.id);
    expect(event.data.previous_attributes).toMatchObject({ items: { data: [{ id: s.itemId, price: { id: "price_p_basic_m" } }] }, metadata: { tenantrySubscriptionId: "ours_1", plan: "p-basic" } });
    // The same change again changes nothing: no event.
    const count = double.events().length;
    await stripe.subscriptions.update(s.id, { items: [{ id: s.itemId, price: "price_p_plus_m" }], metadata: { plan: "p-plus" } });
    await double.settle();
    expect(double.events().length).toBe(count);
  });

  it("a canceled subscription takes its metadata only, with Stripe's words", async () => {
    const s = await subscribed();
    await stripe.subscriptions.cancel(s.id);
    await double.settle();
    const refused = await stripe.subscriptions.update(s.id, { items: [{ id: s.itemId, price: "price_p_plus_m" }] }).then(() => null, (error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 400, raw: { message: "A canceled subscription can only update its cancellation_details and metadata." } });
    const noted = await stripe.subscriptions.update(s.id, { metadata: { note: "closed" } });
    expect(noted.metadata).toMatchObject({ note: "closed", plan: "p-basic" });
    expect(noted.items.data[0]!.price.id).toBe("price_p_basic_m");
  });
});
