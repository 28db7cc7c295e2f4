// Custom domains through the real portal (issue 14), in Chromium, with Debian's dnsmasq on loopback
// as the portal's DNS_SERVERS (no worker, no stack: the test marks the tenant active itself).
// The customer, on their status page (French): adds a domain whose CNAME points at the target → it
// is enabled at once; one pointing elsewhere → pending, the page says what was found; a third →
// refused by the limit; removes one. In the console: a viewer sees the card without forms and is
// refused (403) if they post anyway; an operator adds and removes. Every change audited with its actor.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { startDnsmasq, type Dnsmasq } from "../support/dnsmasq.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const TARGET = "tenants.b-vendor.test";
const VIEWER = { email: "b-viewer@vendor.test", password: "the viewer's long password" };
const OPERATOR = { email: "b-operator@vendor.test", password: "the operator's long password" };

let shared: SharedDatabase;
let portal: Portal;
let browser: Browser;
let dns: Dnsmasq;
let tenant: { id: string; customerId: string; statusToken: string };
let plansDir: string;

/** The shipped catalogue with the default plan allowing 2 custom domains (the limit this test meets). */
async function plansWithTwoDomains(): Promise<string> {
  plansDir = await mkdtemp(path.join(tmpdir(), "tenantry-b-plans-"));
  const catalogue = JSON.parse(await readFile("compose-templates/plans.json", "utf8")) as { defaultPlan: string; plans: { id: string; customDomains?: number }[] };
  catalogue.plans.find((plan) => plan.id === catalogue.defaultPlan)!.customDomains = 2;
  const file = path.join(plansDir, "plans.json");
  await writeFile(file, JSON.stringify(catalogue));
  return file;
}

beforeAll(async () => {
  shared = await createSharedDatabase();
  dns = await startDnsmasq(
    {
      hostRecords: [[TARGET, "127.0.0.1"], ["away.b-customer.test", "203.0.113.7"]],
      cnames: [["shop.b-customer.test", TARGET], ["erp.b-operator.test", TARGET]],
    },
    { first: 47750, last: 47769 },
  );
  [portal, browser] = await Promise.all([
    startPortal({
      DATABASE_URL: shared.url,
      // Nothing listens there: no tenant here is served by Caddy (its app has no port), so no route is written.
      CADDY_ADMIN_URL: "http://127.0.0.1:9",
      TENANT_HOST_PATTERN: "{slug}.b-portal.test",
      TENANT_CUSTOM_DOMAIN_TARGET: TARGET,
      DNS_SERVERS: dns.server,
      PLANS_FILE: await plansWithTwoDomains(),
    }),
    launchChromium(),
  ]);
  await addAdmins(shared.db, [
    { ...VIEWER, role: "viewer" },
    { ...OPERATOR, role: "operator" },
  ]);
  const outcome = await registerTrialSignup(shared.db.prisma, signupData(), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  tenant = await shared.db.prisma.tenant.update({ where: { statusToken: outcome.statusToken }, data: { actualState: "active" }, select: { id: true, customerId: true, statusToken: true } });
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await dns?.stop();
  await shared?.dispose();
  if (plansDir) await rm(plansDir, { recursive: true, force: true });
});

describe("custom domains in the portal", () => {
  it("the customer adds domains on their status page, sees each one's DNS state, meets the limit and removes one", async () => {
    const page = await (await browser.newContext({ locale: "fr-FR" })).newPage();
    await page.goto(`${portal.url}/trial/${tenant.statusToken}`);
    const card = page.getByTestId("custom-domains");
    await card.getByRole("heading", { name: "Domaines personnalisés" }).waitFor();
    expect(await card.getByTestId("dns-record").textContent()).toContain(`CNAME  ${TARGET}`);
    await card.getByTestId("domains-none").waitFor();

    await card.getByTestId("domain-input").fill("Shop.B-Customer.test");
    await card.getByTestId("domain-add").click();
    await card.getByTestId("domain-result").filter({ hasText: `shop.b-customer.test ajouté et activé : son enregistrement pointe vers ${TARGET}.` }).waitFor();
    await card.locator('li[data-domain="shop.b-customer.test"][data-status="active"]').getByText("Activé").waitFor();

    await card.getByTestId("domain-input").fill("away.b-customer.test");
    await card.getByTestId("domain-add").click();
    await card.getByTestId("domain-result").filter({ hasText: "away.b-customer.test ajouté. Il sera activé" }).waitFor();
    const away = card.locator('li[data-domain="away.b-customer.test"][data-status="pending"]');
    await away.getByText(`Son enregistrement pointe ailleurs (203.0.113.7), pas vers ${TARGET}`).waitFor();

    await card.getByTestId("domain-input").fill("third.b-customer.test");
    await card.getByTestId("domain-add").click();
    await card.getByTestId("domain-error").filter({ hasText: "Cette instance a déjà ses 2 domaines personnalisés : retirez-en un d'abord." }).waitFor();

    await away.getByRole("button", { name: "Retirer away.b-customer.test" }).click();
    await card.getByTestId("domain-result").filter({ hasText: "away.b-customer.test retiré." }).waitFor();
    await away.waitFor({ state: "detached" });

    const rows = await shared.db.prisma.customDomain.findMany({ where: { tenantId: tenant.id } });
    expect(rows.map((r) => [r.hostname, r.status])).toEqual([["shop.b-customer.test", "active"]]);
    const audit = await shared.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id, action: { startsWith: "domain." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType, a.actorId])).toEqual([
      ["domain.added", "customer", tenant.customerId],
      ["domain.activated", "system", null],
      ["domain.added", "customer", tenant.customerId],
      ["domain.removed", "customer", tenant.customerId],
    ]);
  });

  it("a console viewer sees the card without forms and is refused if they post", async () => {
    const page = await signInInBrowser(browser, portal.url, VIEWER);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    const card = page.getByTestId("custom-domains");
    await card.locator('li[data-domain="shop.b-customer.test"]').waitFor();
    expect(await card.getByTestId("domain-input").count()).toBe(0);
    expect(await card.getByRole("button").count()).toBe(0);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue().catch(() => "");
    // The page done loading (hydrated, nothing in flight), so nothing cuts the request below short.
    await page.waitForLoadState("networkidle");
    const status = await page.evaluate(
      async ({ url, csrf }) => (await fetch(url, { method: "POST", body: new URLSearchParams({ csrf, intent: "add", hostname: "erp.b-viewer.test" }) })).status,
      { url: `/admin/tenants/${tenant.id}/domains`, csrf },
    );
    expect(status).toBe(403);
    expect(await shared.db.prisma.customDomain.count({ where: { hostname: "erp.b-viewer.test" } })).toBe(0);
  });

  it("an operator removes and adds a domain from the console, audited as the admin", async () => {
    const page = await signInInBrowser(browser, portal.url, OPERATOR);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    const card = page.getByTestId("custom-domains");
    await card.getByRole("button", { name: "Remove shop.b-customer.test" }).click();
    await card.getByTestId("domain-result").filter({ hasText: "shop.b-customer.test removed." }).waitFor();
    await card.getByTestId("domain-input").fill("erp.b-operator.test");
    await card.getByTestId("domain-add").click();
    await card.getByTestId("domain-result").filter({ hasText: `erp.b-operator.test added and enabled: its record points at ${TARGET}.` }).waitFor();
    await card.locator('li[data-domain="erp.b-operator.test"][data-status="active"]').waitFor();
    const audit = await shared.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id, action: { in: ["domain.added", "domain.removed"] }, actorType: "admin" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ["domain.removed", OPERATOR.email],
      ["domain.added", OPERATOR.email],
    ]);
  });
});
