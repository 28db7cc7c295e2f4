// The console's side of the outgoing Stripe calls (issue 12), on the real portal with the Stripe API
// double as STRIPE_API_URL: the boot check runs once the portal listens (a plan's price the double
// does not have is an error line naming PLANS_FILE, shown on the dashboard too, and the portal serves
// and sells the good price all the same); "sync from Stripe" on a tenant's page reads the
// subscription from Stripe and applies it (a cancellation at period end whose webhook was lost is
// found), audited with the operator as actor; a viewer is refused, an unlinked subscription says so,
// in French as well. Stripe unreachable at start is a warning: the portal serves and signups work.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeDouble, type StripeDouble } from "../stripe-double/server.ts";
import { consoleCsrf, createSharedDatabase, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { postSignup, startPortal, type Portal } from "../support/portal.ts";
import { formFields, trialSignup } from "../support/signup-fixtures.ts";
import { payThroughCheckout, stripeApiOnDouble } from "../support/stripe-double-client.ts";
import { startStripePortal, type StripePortal } from "../support/stripe-portal.ts";

const operator = { email: "j-operator@example.com", password: "j-operator-password-1" };
const viewer = { email: "j-viewer@example.com", password: "j-viewer-password-12" };

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("console: Stripe's boot check and sync from Stripe", () => {
  let lab: StripePortal | undefined;
  let plansFile: string;
  let shared: SharedDatabase;
  let double: StripeDouble;
  let portal: Portal;
  let operatorCookie: string;
  let viewerCookie: string;

  beforeAll(async () => {
    lab = await startStripePortal({
      name: "j-stripe-console",
      plans: {
        defaultPlan: "starter",
        plans: [{ id: "starter", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_jcon_starter_m", yearly: "price_jcon_missing_y" }, limits: { memoryMb: 512, cpus: 1 } }],
      },
      double: { prices: [{ id: "price_jcon_starter_m", unitAmount: 1500, interval: "month", productName: "Starter" }] },
      admins: [
        { ...operator, role: "operator" },
        { ...viewer, role: "viewer" },
      ],
    });
    ({ plansFile, shared, double, portal } = lab);
    [operatorCookie, viewerCookie] = await Promise.all([signIn(portal.url, operator), signIn(portal.url, viewer)]);
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
  });

  const tenant = (company: string) => trialSignup(shared.db.prisma, { email: `${company.replaceAll(" ", ".").toLowerCase()}@example.com`, company });

  const sync = async (cookie: string, tenantId: string, headers: Record<string, string> = {}) =>
    fetch(`${portal.url}/admin/tenants/${tenantId}/stripe-sync`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", Origin: portal.url, ...headers },
      body: new URLSearchParams({ csrf: await consoleCsrf(portal.url, `/admin/tenants/${tenantId}`, { Cookie: cookie }) }).toString(),
    });

  it("the boot check: a plan's price Stripe does not have is an error line and a dashboard notice; the portal serves all the same", async () => {
    await eventually("the boot check's error line", async () => portal.output().includes("Stripe check: plan \\\"starter\\\"") || portal.output().includes('Stripe check: plan "starter"'), 30_000);
    const line = portal.output().split("\n").find((l) => l.includes("Stripe check:"))!;
    expect(line).toContain("stripePrices.yearly");
    expect(line).toContain("price_jcon_missing_y");
    expect(line).toContain("PLANS_FILE");
    expect(line).not.toContain(double.secretKey);
    const dashboard = await (await fetch(`${portal.url}/admin`, { headers: { Cookie: operatorCookie } })).text();
    expect(dashboard).toContain('data-testid="stripe-check"');
    expect(dashboard).toContain("Stripe has no price price_jcon_missing_y");
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
  });

  it("sync from Stripe finds a cancellation whose webhook was lost, audited with the operator; a viewer is refused", async () => {
    const t = await tenant("J Console Sync");
    const api = stripeApiOnDouble({ prisma: shared.db.prisma, double, plansFile });
    const done = await payThroughCheckout(api, double, { subscriptionId: t.subscriptionId!, planId: "starter", interval: "month", successUrl: `${portal.url}/ok`, cancelUrl: `${portal.url}/no` });
    expect(double.deliveries.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    expect(await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: t.subscriptionId! } })).toMatchObject({ status: "active", stripeSubscriptionId: done.subscriptionId, cancelAtPeriodEnd: false });

    // The customer cancels in the Customer Portal; that webhook never arrives.
    double.setWebhookUrl(undefined);
    await double.cancel(done.subscriptionId, { atPeriodEnd: true });
    double.setWebhookUrl(`${portal.url}/webhooks/stripe`);
    expect((await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: t.subscriptionId! } })).cancelAtPeriodEnd).toBe(false);

    const refused = await sync(viewerCookie, t.id);
    expect(refused.status).toBe(403);

    const answer = await sync(operatorCookie, t.id);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { message: string }).message).toMatch(/^Synced from Stripe: Stripe says active/);
    expect(double.requests.at(-1)).toMatchObject({ method: "GET", path: `/v1/subscriptions/${done.subscriptionId}`, status: 200 });
    expect(await shared.db.prisma.subscription.findUniqueOrThrow({ where: { id: t.subscriptionId! } })).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    const audit = await shared.db.prisma.auditLog.findMany({ where: { action: "subscription.synced", tenantId: t.id } });
    expect(audit.map((a) => [a.actorType, a.actorId])).toEqual([["admin", operator.email]]);
  });

  it("an unlinked subscription has nothing to sync, said in English and in French", async () => {
    const t = await tenant("J Console Unlinked");
    const en = await sync(operatorCookie, t.id);
    expect(en.status).toBe(409);
    expect(((await en.json()) as { error: string }).error).toBe("This subscription is not linked to Stripe yet: nothing to sync.");
    const fr = await sync(operatorCookie, t.id, { "Accept-Language": "fr" });
    expect(((await fr.json()) as { error: string }).error).toBe("Cet abonnement n'est pas encore lié à Stripe : rien à synchroniser.");
    expect(await shared.db.prisma.auditLog.count({ where: { action: "subscription.synced", tenantId: t.id } })).toBe(0);
  });
});

describe("Stripe unreachable when the portal starts", () => {
  it("is a warning: the portal serves and a signup goes through", async () => {
    const shared = await createSharedDatabase();
    // A double that has stopped listening: its port refuses connections, as Stripe unreachable would.
    const gone = await startStripeDouble({ prices: [{ id: "price_jcon_starter_m", unitAmount: 1500, interval: "month" }] });
    await gone.stop();
    const dir = await mkdtemp(path.join(tmpdir(), "j-stripe-down-"));
    const plansFile = path.join(dir, "plans.json");
    await writeFile(
      plansFile,
      JSON.stringify({ defaultPlan: "starter", plans: [{ id: "starter", names: { en: "Starter", fr: "Essentiel" }, trialDays: 30, stripePrices: { monthly: "price_jcon_starter_m" }, limits: { memoryMb: 512, cpus: 1 } }] }),
    );
    let portal: Portal | undefined;
    try {
      portal = await startPortal({ DATABASE_URL: shared.url, STRIPE_SECRET_KEY: gone.secretKey, STRIPE_WEBHOOK_SECRET: gone.webhookSecret, STRIPE_API_URL: gone.url, PLANS_FILE: plansFile });
      const started = portal;
      await eventually("the unreachable warning", async () => started.output().includes("Stripe check: Stripe could not be reached"), 60_000);
      const line = started.output().split("\n").find((l) => l.includes("Stripe check: Stripe could not be reached"))!;
      expect(JSON.parse(line)).toMatchObject({ level: "warn" });
      expect(started.output()).not.toMatch(/"level":"error"[^\n]*Stripe check/);
      const signup = await postSignup(started.url, formFields({ company: "J Stripe Down" }));
      expect(signup.status).toBe(303);
      expect(await shared.db.prisma.tenant.count({ where: { customer: { company: "J Stripe Down" } } })).toBe(1);
    } finally {
      await portal?.stop();
      await gone.close();
      await shared.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
