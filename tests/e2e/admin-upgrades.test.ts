// The console's upgrades (issue 13) in Chromium against the real portal (no worker, no stack: the
// test writes the tenants' rows itself, as provisioning would): the tenant page's Version card shows
// the app image; an owner upgrades the tenant there (an upgrade run, its job queued, audited in the
// owner's name) and the card shows the upgrade in progress; the tenant list shows each image; the
// Upgrades page starts a run over a plan's tenants, 1 at a time, and lists it; a mistyped image is
// refused in French and in English, queuing nothing; a viewer sees the image and the runs but gets
// no form and a 403 on posting.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, postForm, signIn, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
const VIEWER = { email: "viewer@vendor.test", password: "the viewer's long password" };

let shared: SharedDatabase;
let portal: Portal;
let browser: Browser;
const tenants: { id: string; slug: string }[] = [];

async function activeTenant(company: string, plan: string) {
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company }), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } });
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  await shared.db.prisma.tenant.update({ where: { id: tenant.id }, data: { actualState: "active", appImage: "vendor/app:1" } });
  await shared.db.prisma.subscription.update({ where: { id: tenant.subscriptionId! }, data: { plan } });
  return { id: tenant.id, slug: tenant.slug };
}

beforeAll(async () => {
  shared = await createSharedDatabase();
  [portal, browser] = await Promise.all([startPortal({ DATABASE_URL: shared.url }), launchChromium()]);
  await addAdmins(shared.db, [
    { ...OWNER, role: "owner" },
    { ...VIEWER, role: "viewer" },
  ]);
  tenants.push(await activeTenant("F Console Upgrade One", "f-one"), await activeTenant("F Console Upgrade Two", "f-two"));
});
afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await shared?.dispose();
});

async function csrfOf(cookie: string): Promise<string> {
  const page = await (await fetch(`${portal.url}/admin`, { headers: { Cookie: cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error("no CSRF token on the dashboard");
  return csrf;
}

describe("the console's upgrades", () => {
  it("an owner upgrades a tenant from its Version card: a run, its job queued and audited; the card shows it in progress", async () => {
    const [first] = tenants;
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await page.goto(`${portal.url}/admin/tenants/${first!.id}`);
    const card = page.getByTestId("tenant-version");
    await card.getByTestId("app-image").filter({ hasText: "vendor/app:1" }).waitFor();
    await card.getByTestId("upgrades-none").waitFor();
    await card.getByTestId("upgrade-image").fill("vendor/app:2");
    await card.getByTestId("upgrade-submit").click();
    await card.getByTestId("upgrade-result").filter({ hasText: `Upgrade of ${first!.slug} to vendor/app:2 started.` }).waitFor();
    await card.getByTestId("upgrade-busy").waitFor();
    expect((await card.locator('tr[data-status="queued"]').textContent())?.replace(/\s+/g, " ")).toMatch(/vendor\/app:2\s*in progress/);

    const job = await shared.db.prisma.provisioningJob.findFirstOrThrow({ where: { tenantId: first!.id, kind: "upgrade" } });
    expect(job).toMatchObject({ status: "queued", requestedBy: OWNER.email, parameters: { image: "vendor/app:2" } });
    const started = await shared.db.prisma.auditLog.findFirstOrThrow({ where: { action: "admin.upgrade_started" } });
    expect(started).toMatchObject({ actorType: "admin", actorId: OWNER.email, outcome: "queued" });
    expect(started.details).toMatchObject({ image: "vendor/app:2", scope: `tenant:${first!.slug}`, tenants: 1, batchSize: 1 });
  });

  it("the tenant list shows each image; the Upgrades page starts a run over a plan's tenants and lists it", async () => {
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await page.goto(`${portal.url}/admin/tenants`);
    expect(await page.getByTestId("tenant-image").allTextContents()).toEqual(["vendor/app:1", "vendor/app:1"]);
    await page.getByTestId("upgrades-link").click();
    await page.getByTestId("bulk-upgrade").waitFor();
    await page.getByTestId("bulk-image").fill("vendor/app:3");
    await page.locator('input[name="scope"][value="plan"]').check();
    await page.getByTestId("bulk-plan").selectOption("f-two");
    await page.getByTestId("bulk-batch").fill("1");
    await page.getByTestId("bulk-submit").click();
    await page.getByTestId("bulk-result").filter({ hasText: "Upgrade of 1 tenant(s) to vendor/app:3 started, 1 at a time." }).waitFor();
    const runs = page.getByTestId("upgrade-run");
    await runs.filter({ hasText: "vendor/app:3" }).waitFor();
    expect(await runs.count()).toBe(2);
    expect((await runs.first().textContent())?.replace(/\s+/g, " ")).toContain(`vendor/app:3 — running`);
    expect(await runs.first().locator("td a").allTextContents()).toEqual([tenants[1]!.slug]);
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenants[1]!.id, kind: "upgrade", parameters: { path: ["image"], equals: "vendor/app:3" } } })).toBe(1);
  });

  it("refuses a mistyped image in French and in English, queuing nothing", async () => {
    const cookie = await signIn(portal.url, OWNER);
    const csrf = await csrfOf(cookie);
    const before = await shared.db.prisma.upgradeRun.count();
    const fr = await postForm(`${portal.url}/admin/upgrades`, { csrf, image: "Pas Une Image!", scope: "all", batch: "2" }, { Cookie: cookie, "Accept-Language": "fr" });
    expect(fr.status).toBe(400);
    expect(await fr.text()).toContain("Ce formulaire n&#x27;a pas été compris ; vérifiez l&#x27;image (par ex. editeur/app:2.1)");
    const en = await postForm(`${portal.url}/admin/tenants/${tenants[1]!.id}/upgrade`, { csrf, image: "not an image" }, { Cookie: cookie, "Accept-Language": "en" });
    expect(en.status).toBe(400);
    expect(((await en.json()) as { error: string }).error).toBe(
      "This form was not understood; check the image (e.g. vendor/app:2.1) and the number of tenants at a time (1 to 50).",
    );
    expect(await shared.db.prisma.upgradeRun.count()).toBe(before);
  });

  it("shows a viewer the image and the runs, no form, and refuses their posts (403)", async () => {
    const page = await signInInBrowser(browser, portal.url, VIEWER);
    await page.goto(`${portal.url}/admin/tenants/${tenants[0]!.id}`);
    await page.getByTestId("tenant-version").getByTestId("app-image").filter({ hasText: "vendor/app:1" }).waitFor();
    expect(await page.getByTestId("upgrade-image").count()).toBe(0);
    await page.goto(`${portal.url}/admin/upgrades`);
    await page.getByTestId("upgrade-run").first().waitFor();
    expect(await page.getByTestId("bulk-upgrade").count()).toBe(0);
    const cookie = await signIn(portal.url, VIEWER);
    const csrf = await csrfOf(cookie);
    const before = await shared.db.prisma.upgradeRun.count();
    expect((await postForm(`${portal.url}/admin/upgrades`, { csrf, image: "vendor/app:9", scope: "all", batch: "1" }, { Cookie: cookie })).status).toBe(403);
    expect((await postForm(`${portal.url}/admin/tenants/${tenants[0]!.id}/upgrade`, { csrf, image: "vendor/app:9" }, { Cookie: cookie })).status).toBe(403);
    expect(await shared.db.prisma.upgradeRun.count()).toBe(before);
  });
});
