// Issue 12, must-show 1: the Stripe webhook on a real database (PostgreSQL and PGlite), with events
// signed by Stripe's own library (stripe.webhooks.generateTestHeaderString) and verified by it. Each
// handled type moves the subscription and the tenant as the design says (jobs queued: suspend,
// resume, terminate); a replayed event changes nothing; the same events delivered in reverse order
// end in the same state; a forged, tampered or stale signature is a 400 and writes nothing. The
// dunning task (grace → last reminder → suspension; payment → resume) runs with an injected clock.
// No engine: the jobs are rows here (the worker runs them in the docker tests).
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billingService, type BillingService } from "../../orchestrator/billing/service.ts";
import type { BillingDeps } from "../../orchestrator/billing/billing-effects.ts";
import { systemClock, type Clock } from "../../orchestrator/clock.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { terminateExpiredTrials } from "../../orchestrator/trials/termination.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
const SECRET = "whsec_testsecretforthebillingtests0001";
const PRICE = { id: "price_pro_monthly", unit_amount: 4900, currency: "eur", recurring: { interval: "month" } };

let t: TestDatabase;
let now = new Date("2027-01-04T09:00:00Z");
const clock: Clock = { now: () => now, sleep: systemClock.sleep };
let billing: BillingService;
let deps: BillingDeps;
beforeAll(async () => {
  t = await createTestDatabase();
  deps = {
    prisma: t.db.prisma,
    secretBox: new SecretBox(randomBytes(32)),
    clock,
    logger: silentLogger,
    tenantUrl: "http://127.0.0.1:{port}/",
    settings: { stripe: { secretKey: "sk_test_billingtests", webhookSecret: SECRET }, graceDays: 7, trialHandoff: "remaining-days" },
    plans: {
      byPriceId: (id) => (id === PRICE.id ? { plan: { id: "pro" }, interval: "month" } : undefined),
      forSubscription: (plan) => ({ id: plan === "trial" ? "starter" : plan }),
    },
  };
  billing = billingService(deps);
});
afterAll(async () => {
  await t?.dispose();
});

const prisma = () => t.db.prisma;
const secs = (d: Date) => Math.floor(d.getTime() / 1000);
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

let counter = 0;
/** A customer on a trial with a running tenant (as after provisioning), on the plan its Stripe price buys unless told. */
async function trialTenant(plan = "pro") {
  const n = `${++counter}-${randomBytes(3).toString("hex")}`;
  const customer = await prisma().customer.create({
    data: { email: `i-billing.${n}@example.com`, firstName: "Ada", lastName: "Lovelace", company: `I Billing ${n}`, phone: "+33612345678", locale: counter % 2 ? "fr" : "en" },
  });
  const subscription = await prisma().subscription.create({
    data: { customerId: customer.id, plan, status: "trialing", trialEndsAt: at(now, 20 * DAY) },
  });
  const tenant = await prisma().tenant.create({
    data: { slug: `i-billing-${n}`, customerId: customer.id, subscriptionId: subscription.id, statusToken: `i-token-${n}`, desiredState: "active", actualState: "active" },
  });
  await prisma().portLease.create({ data: { tenantId: tenant.id, port: 48600 + counter, purpose: "APP_PORT" } });
  return { ours: subscription.id, tenantId: tenant.id, stripeSub: `sub_i${n.replace("-", "")}`, customer: `cus_i${n.replace("-", "")}` };
}
type Fixture = Awaited<ReturnType<typeof trialTenant>>;

let eventCounter = 0;
function event(type: string, created: Date, object: object) {
  return { id: `evt_i${++eventCounter}${randomBytes(4).toString("hex")}`, object: "event", api_version: "2026-11-18.endive", type, created: secs(created), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}
function subscriptionObject(f: Fixture, status: string, extra: { cancelAtPeriodEnd?: boolean; endedAt?: Date; periodEnd?: Date } = {}) {
  return {
    id: f.stripeSub,
    object: "subscription",
    customer: f.customer,
    status,
    cancel_at_period_end: extra.cancelAtPeriodEnd ?? false,
    ended_at: extra.endedAt ? secs(extra.endedAt) : null,
    metadata: { tenantrySubscriptionId: f.ours },
    items: { object: "list", data: [{ id: `si_${f.stripeSub}`, object: "subscription_item", current_period_end: secs(extra.periodEnd ?? new Date("2027-02-04T09:00:00Z")), price: PRICE }] },
  };
}
function invoiceObject(f: Fixture, created: Date) {
  return {
    id: `in_${f.stripeSub}_${secs(created)}`,
    object: "invoice",
    customer: f.customer,
    created: secs(created),
    hosted_invoice_url: `https://invoice.stripe.test/i/${f.stripeSub}`,
    parent: { type: "subscription_details", subscription_details: { subscription: f.stripeSub, metadata: { tenantrySubscriptionId: f.ours } } },
  };
}
function checkoutObject(f: Fixture) {
  return { id: `cs_${f.stripeSub}`, object: "checkout.session", mode: "subscription", client_reference_id: f.ours, customer: f.customer, subscription: f.stripeSub };
}

/** Sends an event as Stripe would: the body signed with the endpoint's secret at `signedAt` (default now). */
function deliver(payload: object, options: { secret?: string; signedAt?: Date; tamper?: boolean } = {}) {
  const body = JSON.stringify(payload);
  const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? SECRET, timestamp: secs(options.signedAt ?? now) });
  return billing.receiveWebhook(options.tamper ? body.replace('"status":"active"', '"status":"canceled"') : body, header);
}

async function state(f: Fixture) {
  const [subscription, tenant, jobs, emails, audit, events] = await Promise.all([
    prisma().subscription.findUniqueOrThrow({ where: { id: f.ours } }),
    prisma().tenant.findUniqueOrThrow({ where: { id: f.tenantId } }),
    prisma().provisioningJob.findMany({ where: { tenantId: f.tenantId }, orderBy: { createdAt: "asc" } }),
    prisma().emailOutbox.findMany({ where: { tenantId: f.tenantId }, orderBy: { createdAt: "asc" } }),
    prisma().auditLog.findMany({ where: { tenantId: f.tenantId }, orderBy: { id: "asc" } }),
    prisma().stripeEvent.findMany({ where: { subscriptionId: f.ours }, orderBy: { createdAt: "asc" } }),
  ]);
  return { subscription, tenant, jobs, emails, audit, events };
}

/** What a 200 answer says the event did (an error's text otherwise, so a wrong status shows in the diff). */
function outcomeOf(answer: Awaited<ReturnType<BillingService["receiveWebhook"]>>): string {
  return "outcome" in answer.body ? answer.body.outcome : `${answer.status}: ${answer.body.error}`;
}

function runBillingTask(asOf: Date) {
  return billing.task().run({ asOf, periodStart: asOf, runId: "test", signal: new AbortController().signal, logger: silentLogger });
}

describe(`the Stripe webhook (${process.env.TEST_DB_KIND})`, () => {
  it("moves a subscription through checkout, payment, failure, grace, suspension, payment again, cancellation and termination", async () => {
    const f = await trialTenant();
    const t0 = now;

    // Checkout completed: the customer and the Stripe subscription are linked; the status waits for Stripe's.
    expect(await deliver(event("checkout.session.completed", t0, checkoutObject(f)))).toEqual({ status: 200, body: { received: true, outcome: "linked" } });
    let s = await state(f);
    expect(s.subscription).toMatchObject({ status: "trialing", stripeSubscriptionId: f.stripeSub, stripeCustomerId: f.customer, stripeStateAt: null });
    expect(s.audit.map((a) => [a.action, a.actorType, a.actorId])).toEqual([["subscription.linked", "system", "stripe"]]);

    // The subscription created, active: paid, on the price's plan, nothing to do for the running tenant.
    const t1 = at(t0, 5_000);
    expect((await deliver(event("customer.subscription.created", t1, subscriptionObject(f, "active")))).body).toEqual({ received: true, outcome: "applied: activated" });
    s = await state(f);
    expect(s.subscription).toMatchObject({
      status: "active", stripeStatus: "active", plan: "pro", stripePriceId: PRICE.id, billingInterval: "month", stripePriceAmount: 4900, stripePriceCurrency: "eur",
      currentPeriodEnd: new Date("2027-02-04T09:00:00Z"), cancelAtPeriodEnd: false, stripeStateAt: t1,
    });
    expect(s.tenant.desiredState).toBe("active");
    expect(s.jobs).toEqual([]);
    expect(s.audit.at(-1)).toMatchObject({ action: "subscription.activated", outcome: "succeeded", details: expect.objectContaining({ from: "trialing", status: "active" }) });

    // A renewal fails: past_due, a grace of 7 days from the invoice, the customer told with Stripe's pay link.
    now = at(t0, 30 * DAY);
    const invoiceAt = at(now, -3_600_000);
    expect((await deliver(event("invoice.payment_failed", now, invoiceObject(f, invoiceAt)))).body).toEqual({ received: true, outcome: "applied: past_due" });
    s = await state(f);
    expect(s.subscription).toMatchObject({ status: "past_due", stripeStatus: "past_due", pastDueSince: invoiceAt, graceEndsAt: at(invoiceAt, 7 * DAY) });
    expect(s.tenant.desiredState).toBe("active");
    expect(s.jobs).toEqual([]);
    expect(s.emails.map((e) => [e.purpose, e.idempotencyKey])).toEqual([["payment-failed", `billing-payment-failed:${f.ours}:${invoiceAt.toISOString()}`]]);

    // Stripe retries: a second failure of the same invoice keeps the same grace and sends nothing more.
    now = at(now, 3 * DAY);
    expect((await deliver(event("invoice.payment_failed", now, invoiceObject(f, invoiceAt)))).body).toEqual({ received: true, outcome: "applied" });
    s = await state(f);
    expect(s.subscription.graceEndsAt).toEqual(at(invoiceAt, 7 * DAY));
    expect(s.emails).toHaveLength(1);

    // The billing task: nothing yet; the last reminder a day before the end (once); suspension at the end (once).
    const graceEnd = at(invoiceAt, 7 * DAY);
    expect(await runBillingTask(at(graceEnd, -2 * DAY))).toEqual({ reminded: 0, suspended: 0 });
    expect((await runBillingTask(at(graceEnd, -20 * 3_600_000))).reminded).toBeGreaterThanOrEqual(1);
    expect((await runBillingTask(at(graceEnd, -19 * 3_600_000))).reminded).toBe(0);
    s = await state(f);
    expect(s.emails.map((e) => e.idempotencyKey).at(-1)).toBe(`billing-grace-last:${f.ours}:${invoiceAt.toISOString()}`);
    expect(s.subscription.status).toBe("past_due");
    expect(s.jobs).toEqual([]);
    const [first, second] = await Promise.all([runBillingTask(at(graceEnd, 60_000)), runBillingTask(at(graceEnd, 60_000))]);
    expect(Number(first.suspended) + Number(second.suspended)).toBeGreaterThanOrEqual(1);
    s = await state(f);
    expect(s.subscription.status).toBe("suspended");
    expect(s.tenant.desiredState).toBe("suspended");
    expect(s.jobs.map((j) => [j.kind, j.requestedBy])).toEqual([["suspend", "scheduler"]]);
    expect(s.emails.map((e) => e.purpose)).toEqual(["payment-failed", "payment-failed", "billing-suspended"]);
    expect(s.audit.filter((a) => a.action === "subscription.suspended")).toHaveLength(1);
    // Stripe's own past_due snapshot after the suspension does not bring the grace back.
    now = at(graceEnd, 2 * 3_600_000);
    expect(outcomeOf(await deliver(event("customer.subscription.updated", now, subscriptionObject(f, "past_due"))))).toBe("applied");
    expect((await state(f)).subscription.status).toBe("suspended");

    // The customer pays: active again, grace cleared, the tenant resumed by a job.
    await prisma().tenant.update({ where: { id: f.tenantId }, data: { actualState: "suspended" } });
    now = at(now, DAY);
    expect((await deliver(event("invoice.paid", now, invoiceObject(f, invoiceAt)))).body).toEqual({ received: true, outcome: "applied: activated" });
    s = await state(f);
    expect(s.subscription).toMatchObject({ status: "active", stripeStatus: "active", pastDueSince: null, graceEndsAt: null });
    expect(s.tenant.desiredState).toBe("active");
    expect(s.jobs.map((j) => [j.kind, j.requestedBy])).toEqual([["suspend", "scheduler"], ["resume", "stripe"]]);
    expect(s.audit.at(-1)).toMatchObject({ action: "subscription.activated", outcome: "queued", actorId: "stripe" });
    await prisma().tenant.update({ where: { id: f.tenantId }, data: { actualState: "active" } });

    // Canceled at the period's end: kept running until then, then canceled and suspended.
    now = at(now, DAY);
    await deliver(event("customer.subscription.updated", now, subscriptionObject(f, "active", { cancelAtPeriodEnd: true })));
    s = await state(f);
    expect(s.subscription).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    expect(s.audit.at(-1)).toMatchObject({ action: "subscription.updated", details: expect.objectContaining({ cancelAtPeriodEnd: true }) });
    now = at(now, 10 * DAY);
    const endedAt = at(now, -60_000);
    expect(outcomeOf(await deliver(event("customer.subscription.deleted", now, subscriptionObject(f, "canceled", { cancelAtPeriodEnd: true, endedAt }))))).toBe("applied: canceled");
    s = await state(f);
    expect(s.subscription).toMatchObject({ status: "canceled", stripeStatus: "canceled", endedAt });
    expect(s.tenant.desiredState).toBe("suspended");
    expect(s.jobs.map((j) => j.kind)).toEqual(["suspend", "resume", "suspend"]);
    expect(s.emails.at(-1)!.purpose).toBe("billing-suspended");

    // A final invoice paid after the end brings nothing back.
    now = at(now, 60_000);
    expect(outcomeOf(await deliver(event("invoice.paid", now, invoiceObject(f, now))))).toBe("ignored: the subscription has ended");
    expect((await state(f)).subscription.status).toBe("canceled");

    // Terminated after the same 30 days as an expired trial (the trial-lifecycle task's termination).
    await prisma().tenant.update({ where: { id: f.tenantId }, data: { actualState: "suspended" } });
    const signal = new AbortController().signal;
    await terminateExpiredTrials({ prisma: prisma(), suspendedDaysBeforeTermination: 30 }, at(endedAt, 29 * DAY), signal);
    expect((await state(f)).jobs.map((j) => j.kind)).not.toContain("terminate");
    await terminateExpiredTrials({ prisma: prisma(), suspendedDaysBeforeTermination: 30 }, at(endedAt, 30 * DAY), signal);
    s = await state(f);
    expect(s.tenant.desiredState).toBe("destroyed");
    expect(s.jobs.map((j) => j.kind).at(-1)).toBe("terminate");
    expect(s.audit.at(-1)).toMatchObject({ action: "tenant.terminated", details: expect.objectContaining({ status: "canceled", endedAt: endedAt.toISOString() }) });

    // Every event is stored once with what it did.
    expect(s.events.map((e) => e.outcome)).toEqual([
      "linked", "applied: activated", "applied: past_due", "applied", "applied", "applied: activated", "applied", "applied: canceled", "ignored: the subscription has ended",
    ]);
  });

  it("applies the limits of a plan bought at another price: a change_plan job queued with the event", async () => {
    const f = await trialTenant("starter");
    await deliver(event("checkout.session.completed", now, checkoutObject(f)));
    expect(outcomeOf(await deliver(event("customer.subscription.created", at(now, 5_000), subscriptionObject(f, "active"))))).toBe("applied: activated");
    const s = await state(f);
    expect(s.subscription.plan).toBe("pro");
    expect(s.jobs.map((j) => [j.kind, j.requestedBy])).toEqual([["change_plan", "stripe"]]);
    expect(s.audit.find((a) => a.action === "subscription.plan_changed")).toMatchObject({ actorId: "stripe", outcome: "queued", details: expect.objectContaining({ from: "starter", to: "pro" }) });
    // The same plan again (a renewal's update): nothing more to apply.
    await deliver(event("customer.subscription.updated", at(now, 10_000), subscriptionObject(f, "active")));
    expect((await state(f)).jobs).toHaveLength(1);
  });

  it("changes nothing when an event is delivered again", async () => {
    const f = await trialTenant();
    const created = event("customer.subscription.created", now, subscriptionObject(f, "active"));
    const failed = event("invoice.payment_failed", at(now, 1_000), invoiceObject(f, now));
    await deliver(created);
    await deliver(failed);
    const before = await state(f);
    expect(before.subscription.status).toBe("past_due");
    now = at(now, 60_000);
    expect(await deliver(failed)).toEqual({ status: 200, body: { received: true, outcome: "replayed" } });
    expect(await deliver(created)).toEqual({ status: 200, body: { received: true, outcome: "replayed" } });
    // Two at once: one applies, the other finds the id.
    const again = event("invoice.paid", at(now, 1_000), invoiceObject(f, now));
    const outcomes = await Promise.all([deliver(again), deliver(again)]);
    expect(outcomes.map(outcomeOf).sort()).toEqual(["applied: activated", "replayed"]);
    const after = await state(f);
    expect(after.events).toHaveLength(3);
    expect(after.audit.filter((a) => a.action === "subscription.activated")).toHaveLength(2);
    expect(after.emails).toHaveLength(before.emails.length);
    expect(await prisma().stripeEvent.count({ where: { id: { in: [created.id, failed.id, again.id] } } })).toBe(3);
  });

  it("ends in the same state when the same events come in reverse order", async () => {
    const sequences: ((f: Fixture, base: Date) => ReturnType<typeof event>[])[] = [
      // paid, a failure, paid again, then cancellation asked for the period's end
      (f, base) => [
        event("checkout.session.completed", base, checkoutObject(f)),
        event("customer.subscription.created", at(base, 1_000), subscriptionObject(f, "active")),
        event("invoice.paid", at(base, 2_000), invoiceObject(f, base)),
        event("invoice.payment_failed", at(base, 30 * DAY), invoiceObject(f, at(base, 30 * DAY))),
        event("invoice.paid", at(base, 31 * DAY), invoiceObject(f, at(base, 30 * DAY))),
        event("customer.subscription.updated", at(base, 32 * DAY), subscriptionObject(f, "active", { cancelAtPeriodEnd: true })),
      ],
      // paid, a failure, then Stripe gives up and ends the subscription
      (f, base) => [
        event("customer.subscription.created", base, subscriptionObject(f, "active")),
        event("invoice.payment_failed", at(base, 30 * DAY), invoiceObject(f, at(base, 30 * DAY))),
        event("customer.subscription.updated", at(base, 30 * DAY + 1_000), subscriptionObject(f, "past_due")),
        event("customer.subscription.deleted", at(base, 40 * DAY), subscriptionObject(f, "canceled", { endedAt: at(base, 40 * DAY) })),
      ],
    ];
    for (const sequence of sequences) {
      const forward = await trialTenant();
      const backward = await trialTenant();
      const base = now;
      for (const e of sequence(forward, base)) expect((await deliver(e)).status).toBe(200);
      for (const e of sequence(backward, base).reverse()) expect((await deliver(e)).status).toBe(200);
      const [a, b] = [await state(forward), await state(backward)];
      const billingFields = (s: typeof a) => ({
        status: s.subscription.status,
        stripeStatus: s.subscription.stripeStatus,
        plan: s.subscription.plan,
        stripePriceId: s.subscription.stripePriceId,
        currentPeriodEnd: s.subscription.currentPeriodEnd,
        cancelAtPeriodEnd: s.subscription.cancelAtPeriodEnd,
        pastDueSince: s.subscription.pastDueSince,
        graceEndsAt: s.subscription.graceEndsAt,
        endedAt: s.subscription.endedAt,
        stripeStateAt: s.subscription.stripeStateAt,
        linked: s.subscription.stripeSubscriptionId !== null,
        tenant: s.tenant.desiredState,
        pendingJobs: s.jobs.map((j) => j.kind).filter((k) => k !== "resume"),
      });
      expect(billingFields(b)).toEqual(billingFields(a));
      expect(b.events.length).toBe(a.events.length);
      expect(b.events.filter((e) => e.outcome === "stale").length).toBeGreaterThan(0);
    }
  });

  it("answers 400 and writes nothing for a forged, tampered, stale or missing signature", async () => {
    const f = await trialTenant();
    const countAll = async () => ({
      events: await prisma().stripeEvent.count(),
      audit: await prisma().auditLog.count(),
      jobs: await prisma().provisioningJob.count(),
      emails: await prisma().emailOutbox.count(),
    });
    const before = { counts: await countAll(), subscription: (await state(f)).subscription };
    const good = event("customer.subscription.created", now, subscriptionObject(f, "active"));
    const refusals = [
      await deliver(good, { secret: "whsec_notthesecretofthisendpoint000" }),
      await deliver(good, { tamper: true }),
      await deliver(good, { signedAt: at(now, -301_000) }),
      await billing.receiveWebhook(JSON.stringify(good), null),
      await billing.receiveWebhook(JSON.stringify(good), "t=1,v1=deadbeef"),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect("error" in refusal.body && refusal.body.error).toMatch(/^Webhook signature verification failed: /);
    }
    expect(await countAll()).toEqual(before.counts);
    expect((await state(f)).subscription).toEqual(before.subscription);
    // The same event, signed properly within the tolerance, goes through.
    expect((await deliver(good, { signedAt: at(now, -290_000) })).body).toEqual({ received: true, outcome: "applied: activated" });
  });

  it("stores other types as ignored, events for no known subscription as unmatched, and answers 404 without Stripe settings", async () => {
    const other = event("customer.created", now, { id: "cus_other", object: "customer" });
    expect((await deliver(other)).body).toEqual({ received: true, outcome: "ignored" });
    const stranger = event("customer.subscription.updated", now, { ...subscriptionObject({ ours: "not-ours", tenantId: "", stripeSub: "sub_stranger", customer: "cus_stranger" }, "active") });
    expect((await deliver(stranger)).body).toEqual({ received: true, outcome: "unmatched" });
    expect(await prisma().stripeEvent.findMany({ where: { id: { in: [other.id, stranger.id] } }, select: { outcome: true, subscriptionId: true }, orderBy: { outcome: "asc" } })).toEqual([
      { outcome: "ignored", subscriptionId: null },
      { outcome: "unmatched", subscriptionId: null },
    ]);
    const trialOnly = billingService({ ...deps, settings: { graceDays: 7, trialHandoff: "none" } });
    const body = JSON.stringify(event("customer.created", now, { id: "cus_x" }));
    const answer = await trialOnly.receiveWebhook(body, Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: secs(now) }));
    expect(answer.status).toBe(404);
    expect(trialOnly.stripeConfigured).toBe(false);
  });

  it("gives the console the state, the last events, MRR and conversions per week", async () => {
    const f = await trialTenant();
    await deliver(event("customer.subscription.created", now, subscriptionObject(f, "active")));
    const view = await billing.subscriptionState(f.ours);
    expect(view).toMatchObject({ status: "active", stripeStatus: "active", stripePriceId: PRICE.id, priceAmount: 4900, priceCurrency: "eur" });
    expect(view!.events.map((e) => e.type)).toEqual(["customer.subscription.created"]);
    // Audit entries carry the database's own time: the overview is read as of the real clock.
    const overview = await billingService({ ...deps, clock: systemClock }).overview(4);
    expect(overview.mrr.find((m) => m.currency === "eur")!.amount).toBeGreaterThanOrEqual(4900);
    expect(overview.paying.find((p) => p.plan === "pro")!.count).toBeGreaterThanOrEqual(1);
    expect(overview.conversionsPerWeek).toHaveLength(4);
    expect(overview.conversionsPerWeek.at(-1)!.count).toBeGreaterThanOrEqual(1);
  });
});
