// The console's tenant page in Chromium against the real portal (no worker, no stack: the test
// moves the tenant's rows itself): the page, put together from app/components/admin/tenant/,
// refreshes itself while the tenant is busy and stops once it is settled (app/hooks/use-polling.ts);
// its live logs keep being polled; neither asks anything while the tab is hidden; and an action
// the tenant's state refuses shows the 409 page, whose link leads back to the tenant as it now is.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };

let shared: SharedDatabase;
let portal: Portal;
let browser: Browser;

async function newTenant(): Promise<{ id: string; slug: string }> {
  const outcome = await registerTrialSignup(shared.db.prisma, signupData(), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  return shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, select: { id: true, slug: true } });
}

/** What the worker would write once provisioning succeeded. */
async function settle(tenantId: string) {
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId }, data: { status: "succeeded" } });
  await shared.db.prisma.tenant.update({ where: { id: tenantId }, data: { actualState: "active" } });
}

beforeAll(async () => {
  shared = await createSharedDatabase();
  [portal, browser] = await Promise.all([startPortal({ DATABASE_URL: shared.url }), launchChromium()]);
  await addAdmins(shared.db, [{ ...OWNER, role: "owner" }]);
});
afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await shared?.dispose();
});

/** Counts the page's requests for one route's loader data (Remix asks with ?_data=<route id>). */
function countLoads(page: Page) {
  const counts = new Map<string, number>();
  page.on("request", (request) => {
    const route = new URL(request.url()).searchParams.get("_data");
    if (route) counts.set(route, (counts.get(route) ?? 0) + 1);
  });
  return (route: string) => counts.get(route) ?? 0;
}

const TENANT_ROUTE = "routes/admin.tenants.$id";
const LOGS_ROUTE = "routes/admin.tenants.$id.logs";

describe("the tenant page", () => {
  it("refreshes itself while the tenant is busy, stops once it is settled, and keeps polling its logs", async () => {
    const tenant = await newTenant();
    const page = await signInInBrowser(browser, portal.url, OWNER);
    const loads = countLoads(page);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    await page.getByTestId("tenant-state").filter({ hasText: /^pending$/ }).waitFor();
    expect(await page.getByTestId("slug").textContent()).toBe(tenant.slug);
    expect(await page.getByTestId("plan").textContent()).toBe("trial");
    await page.getByTestId("latest-job-status").filter({ hasText: /^queued$/ }).waitFor();
    // The logs arrive through their own route (here the engine has no such stack: it says so).
    await page.getByTestId("logs").filter({ hasNotText: "waiting for logs" }).waitFor();

    // Busy: the page reloads its data on its own, so the worker's progress shows without a reload.
    await settle(tenant.id);
    await page.getByTestId("tenant-state").filter({ hasText: /^active$/ }).waitFor({ timeout: 15_000 });
    await page.getByTestId("latest-job-status").filter({ hasText: /^succeeded$/ }).waitFor();
    expect(loads(TENANT_ROUTE)).toBeGreaterThan(0);

    // Settled: no more reloads of the page's data, while the logs go on being polled.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [pageLoads, logLoads] = [loads(TENANT_ROUTE), loads(LOGS_ROUTE)];
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(loads(TENANT_ROUTE)).toBe(pageLoads);
    expect(loads(LOGS_ROUTE)).toBeGreaterThan(logLoads);
  });

  it("asks nothing while its tab is hidden, and catches up as soon as it shows again", async () => {
    const tenant = await newTenant();
    const page = await signInInBrowser(browser, portal.url, OWNER);
    const loads = countLoads(page);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    await page.getByTestId("tenant-state").filter({ hasText: /^pending$/ }).waitFor();

    // Headless Chromium never hides a tab, so the test tells the page what the browser tells it
    // when its tab goes to the background: visibilityState "hidden" and a visibilitychange event.
    const setVisibility = (state: "hidden" | "visible") =>
      page.evaluate((value) => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => value });
        document.dispatchEvent(new Event("visibilitychange"));
      }, state);
    await setVisibility("hidden");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [pageLoads, logLoads] = [loads(TENANT_ROUTE), loads(LOGS_ROUTE)];
    await settle(tenant.id);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect([loads(TENANT_ROUTE), loads(LOGS_ROUTE)]).toEqual([pageLoads, logLoads]);
    expect(await page.getByTestId("tenant-state").textContent()).toBe("pending");

    await setVisibility("visible");
    await page.getByTestId("tenant-state").filter({ hasText: /^active$/ }).waitFor({ timeout: 5_000 });
    expect(loads(LOGS_ROUTE)).toBeGreaterThan(logLoads);
  });

  it("shows the 409 page for an action on a tenant destroyed meanwhile, with a way back to it", async () => {
    const tenant = await newTenant();
    await settle(tenant.id);
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await page.goto(`${portal.url}/admin/tenants/${tenant.id}`);
    await page.getByTestId("tenant-state").filter({ hasText: /^active$/ }).waitFor();

    // Someone else destroyed it while this page was open.
    await shared.db.prisma.tenant.update({ where: { id: tenant.id }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Suspend", exact: true }).click();
    await page.getByRole("heading", { name: "Not possible now" }).waitFor();
    await page.getByText("This tenant is destroyed; nothing more can be done to it.").waitFor();
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "suspend" } })).toBe(0);

    await page.getByRole("link", { name: "See how things stand now" }).click();
    await page.getByTestId("tenant-state").filter({ hasText: /^destroyed$/ }).waitFor();
    expect(await page.getByRole("button", { name: "Suspend", exact: true }).count()).toBe(0);
  });
});
