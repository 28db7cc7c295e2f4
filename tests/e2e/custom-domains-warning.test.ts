// The custom-domain card's warnings through the real portal, in Chromium (issue 14, follow-up): an
// active domain marked as pointing elsewhere (CustomDomain.misconfiguredSince, as the re-check
// writes it: tests/docker/custom-domains-recheck.test.ts) shows, on the customer's account page in
// French and on the console's tenant page in English, since when, the date it will be disabled (the
// mark plus the 7 days' grace) and the record to set back; a domain disabled for it (pending, the
// mark kept) says why and that it comes back by itself; an unmarked active domain shows no warning.
import { randomBytes } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const TARGET = "tenants.q-warn.test";
const OPERATOR = { email: "q-operator@vendor.test", password: "the operator's long password" };
const DAY = 86_400_000;
// Marked two days ago at 09:30 UTC: disabled five days from now, at the same time.
const since = new Date(Math.floor((Date.now() - 2 * DAY) / DAY) * DAY + 9.5 * 3_600_000);
const until = new Date(since.getTime() + 7 * DAY);

let shared: SharedDatabase;
let portal: Portal;
let browser: Browser;
let tenant: { id: string; statusToken: string };

const medium = (date: Date, locale: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(date) + " UTC";

beforeAll(async () => {
  shared = await createSharedDatabase();
  [portal, browser] = await Promise.all([
    startPortal({
      DATABASE_URL: shared.url,
      // Nothing listens on either: no route is written, and a DNS check here fails (changing no state).
      CADDY_ADMIN_URL: "http://127.0.0.1:9",
      DNS_SERVERS: "127.0.0.1:48298",
      TENANT_HOST_PATTERN: "{slug}.q-warn.test",
      TENANT_CUSTOM_DOMAIN_TARGET: TARGET,
    }),
    launchChromium(),
  ]);
  await addAdmins(shared.db, [{ ...OPERATOR, role: "operator" }]);
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company: `Q Warn ${randomBytes(3).toString("hex")}` }), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  tenant = await shared.db.prisma.tenant.update({ where: { statusToken: outcome.statusToken }, data: { actualState: "active" }, select: { id: true, statusToken: true } });
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  const checked = { lastCheckedAt: new Date(), createdBy: "customer", tenantId: tenant.id };
  await shared.db.prisma.customDomain.createMany({
    data: [
      { ...checked, hostname: "moved.q-customer.test", status: "active", verifiedAt: since, misconfiguredSince: since, lastCheckResult: "points_elsewhere", lastCheckError: "203.0.113.7" },
      { ...checked, hostname: "gone.q-customer.test", status: "pending", verifiedAt: since, misconfiguredSince: since, lastCheckResult: "no_record" },
      { ...checked, hostname: "fine.q-customer.test", status: "active", verifiedAt: since, lastCheckResult: "points_at_target", lastCheckError: `CNAME ${TARGET}` },
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await shared?.dispose();
});

describe("custom domains: the card warns about a record that moved", () => {
  it("the customer's account page, in French", async () => {
    const page = await (await browser.newContext({ locale: "fr-FR" })).newPage();
    await page.goto(`${portal.url}/trial/${tenant.statusToken}`);
    const card = page.getByTestId("custom-domains");
    await card.getByRole("heading", { name: "Domaines personnalisés" }).waitFor();
    expect(await card.locator("p.muted").first().textContent()).toContain("désactivé au bout de 7 jours");

    const moved = card.locator('li[data-domain="moved.q-customer.test"][data-status="active"][data-misconfigured="yes"]');
    expect(await moved.getByTestId("domain-status").textContent()).toBe("Activé");
    const warning = (await moved.getByTestId("domain-warning").textContent()) ?? "";
    expect(warning).toContain(`Attention : depuis le ${medium(since, "fr-FR")}, l'enregistrement DNS de ce domaine ne pointe plus vers ${TARGET}.`);
    expect(warning).toContain(`il sera désactivé le ${medium(until, "fr-FR")}`);
    expect(warning).toContain(`moved.q-customer.test CNAME ${TARGET}`);

    const gone = card.locator('li[data-domain="gone.q-customer.test"][data-status="pending"][data-misconfigured="yes"]');
    expect(await gone.getByTestId("domain-status").textContent()).toBe("Désactivé : son enregistrement DNS a changé");
    expect(await gone.getByTestId("domain-disabled").textContent()).toContain(
      `Ce domaine a été désactivé : son enregistrement DNS pointait ailleurs depuis le ${medium(since, "fr-FR")}. Rétablissez l'enregistrement gone.q-customer.test CNAME ${TARGET}`,
    );

    const fine = card.locator('li[data-domain="fine.q-customer.test"][data-status="active"]');
    expect(await fine.getByTestId("domain-status").textContent()).toBe("Activé");
    expect(await fine.getAttribute("data-misconfigured")).toBeNull();
    expect(await fine.getByTestId("domain-warning").count()).toBe(0);
    await page.context().close();
  });

  it("the console's tenant page, in English", async () => {
    const page = await signInInBrowser(browser, portal.url, OPERATOR);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    const card = page.getByTestId("custom-domains");
    await card.getByRole("heading", { name: "Custom domains" }).waitFor();
    const warning = (await card.locator('li[data-domain="moved.q-customer.test"]').getByTestId("domain-warning").textContent()) ?? "";
    expect(warning).toContain(`Warning: since ${medium(since, "en-GB")}, this domain's DNS record no longer points at ${TARGET}.`);
    expect(warning).toContain(`it will be disabled on ${medium(until, "en-GB")} unless the record is set back to: moved.q-customer.test CNAME ${TARGET}.`);
    const gone = card.locator('li[data-domain="gone.q-customer.test"]');
    expect(await gone.getByTestId("domain-status").textContent()).toBe("Disabled: its DNS record moved");
    expect(await gone.getByTestId("domain-disabled").textContent()).toContain("enabled again by itself");
    expect(await card.locator('li[data-domain="fine.q-customer.test"]').getByTestId("domain-warning").count()).toBe(0);
    await page.context().close();
  });
});
