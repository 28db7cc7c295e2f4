// Issue 12, must-show 2: a customer's whole paid life on the real Docker engine, with the real
// portal (worker and scheduler on) talking to the Stripe API double (tests/stripe-double/) through
// STRIPE_API_URL, and the double's signed webhooks coming back to the portal's /webhooks/stripe.
// Signup → tenant provisioned → a Checkout session created by Tenantry's outgoing call
// (orchestrator/billing/stripe-api.ts, on the portal's database) → the double's hosted Checkout page
// "Pay" → checkout.session.completed, customer.subscription.created, invoice.paid → paid (active) →
// the renewal's payment fails (double control) → past_due with a 7-day grace, still running → the
// clock moved past the grace (TENANTRY_TEST_CLOCK_FILE, followed by the double too) → the billing
// task suspends (containers stopped) → the customer pays → resumed (containers running).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeApi } from "../../orchestrator/billing/stripe-api.ts";
import { startStripeDouble, type StripeDouble } from "../stripe-double/server.ts";
import { stripeApiOnDouble } from "../support/stripe-double-client.ts";
import { engineResourcesOf, signUp, startTenantLab, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const DAY = 86_400_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, lab?: TenantLab): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${lab ? `\n${lab.portal.output().slice(-4000)}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("signup → Checkout → paid → payment failed → grace → suspended → paid → resumed, on the Docker engine", () => {
  let lab: TenantLab;
  let double: StripeDouble;
  let dir: string;
  let clockFile: string;
  let api: StripeApi;
  let tenantId: string;
  let subscriptionId: string;
  let stripeSubscriptionId: string;
  const offset = () => Number(readFileSync(clockFile, "utf8"));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-j-stripe-"));
    clockFile = path.join(dir, "clock-offset");
    await writeFile(clockFile, "0");
    const plansFile = path.join(dir, "plans.json");
    await writeFile(
      plansFile,
      JSON.stringify({
        defaultPlan: "starter",
        plans: [{ id: "starter", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_jflow_starter_m" }, limits: { memoryMb: 512, cpus: 1 } }],
      }),
    );
    // The double's time follows the portal's test clock: Stripe and Tenantry agree on "now".
    double = await startStripeDouble({ prices: [{ id: "price_jflow_starter_m", unitAmount: 2900, interval: "month", productName: "Starter" }], now: () => Date.now() + offset() });
    lab = await startTenantLab({
      STRIPE_SECRET_KEY: double.secretKey,
      STRIPE_WEBHOOK_SECRET: double.webhookSecret,
      STRIPE_API_URL: double.url,
      PLANS_FILE: plansFile,
      BILLING_TRIAL_HANDOFF: "none",
      BILLING_GRACE_DAYS: "7",
      TENANTRY_TEST_CLOCK_FILE: clockFile,
      SCHEDULER: "true",
      SCHEDULER_POLL_SECONDS: "1",
      TENANT_PORT_RANGE: "48700-48799",
    });
    double.setWebhookUrl(`${lab.portal.url}/webhooks/stripe`);
    api = stripeApiOnDouble({ prisma: lab.db.prisma, double, plansFile });
  }, 180_000);

  afterAll(async () => {
    await lab?.stop();
    await double?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const containerStates = async () => (await engineResourcesOf(tenantId)).containers.map((c) => c.state);
  const subscription = () => lab.db.prisma.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });

  it("provisions the signup, and the portal's boot check accepted the double's key and price", async () => {
    const tenant = await signUp(lab, `J Stripe Flow ${lab.tag}`);
    tenantId = tenant.id;
    subscriptionId = tenant.subscriptionId!;
    const [done] = await waitForJobs(lab, [tenantId]);
    expect(done!.jobs[0]!.status).toBe("succeeded");
    expect(await containerStates()).toEqual(["running", "running"]);
    await eventually("the boot check's line", async () => lab.portal.output().includes("Stripe check: the secret key and the plans' prices are accepted"), 30_000, lab);
  });

  it("Checkout: the session asked by Tenantry, the double's page paid, the signed webhooks make the subscription active", async () => {
    const session = await api.createCheckoutSession({ subscriptionId, planId: "starter", interval: "month", successUrl: `${lab.portal.url}/?billing=success`, cancelUrl: `${lab.portal.url}/?billing=canceled` });
    const page = await (await fetch(session.url)).text();
    expect(page).toContain(">Pay</button>");
    const paid = await fetch(session.url, { method: "POST", body: new URLSearchParams(), redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`${lab.portal.url}/?billing=success`);
    // Every event reached the portal and was accepted (signature checked on the raw body).
    expect(double.deliveries.map((d) => [d.type, d.status])).toEqual([
      ["customer.created", 200],
      ["checkout.session.completed", 200],
      ["customer.subscription.created", 200],
      ["invoice.paid", 200],
    ]);
    const row = await subscription();
    stripeSubscriptionId = double.store.checkoutSessions.get(session.id)!.subscription as string;
    expect(row).toMatchObject({ status: "active", stripeStatus: "active", stripeSubscriptionId, stripePriceId: "price_jflow_starter_m", billingInterval: "month" });
    expect(row.stripeCustomerId).toMatch(/^cus_/);
    expect(await containerStates()).toEqual(["running", "running"]);
  });

  it("a failed renewal: past_due with a 7-day grace, the tenant still running", async () => {
    const events = await double.failPayment(stripeSubscriptionId);
    expect(events.map((e) => e.type)).toEqual(["invoice.payment_failed", "customer.subscription.updated"]);
    expect(double.deliveries.slice(-2).map((d) => d.status)).toEqual([200, 200]);
    const row = await subscription();
    expect(row.status).toBe("past_due");
    expect(row.graceEndsAt!.getTime() - row.pastDueSince!.getTime()).toBe(7 * DAY);
    expect(await containerStates()).toEqual(["running", "running"]);
  });

  it("the grace over (clock moved 8 days): the billing task suspends the subscription and stops the containers", async () => {
    await writeFile(clockFile, String(8 * DAY));
    await eventually("subscription suspended", async () => (await subscription()).status === "suspended", 60_000, lab);
    await eventually(
      "containers stopped",
      async () => {
        const states = await containerStates();
        return states.length === 2 && states.every((s) => s !== "running");
      },
      180_000,
      lab,
    );
    expect((await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).desiredState).toBe("suspended");
  });

  it("the customer pays: invoice.paid makes it active again and the containers run", async () => {
    const events = await double.pay(stripeSubscriptionId);
    expect(events.map((e) => e.type)).toEqual(["invoice.paid", "customer.subscription.updated"]);
    expect(double.deliveries.slice(-2).map((d) => d.status)).toEqual([200, 200]);
    await eventually("subscription active", async () => (await subscription()).status === "active", 30_000, lab);
    expect(await subscription()).toMatchObject({ stripeStatus: "active", pastDueSince: null, graceEndsAt: null });
    await eventually("containers running", async () => {
      const states = await containerStates();
      return states.length === 2 && states.every((s) => s === "running");
    }, 180_000, lab);
    expect((await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).desiredState).toBe("active");
  });
});
