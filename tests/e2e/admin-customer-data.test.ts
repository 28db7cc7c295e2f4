// Usage and customers' data rights in the console, in Chromium against the real portal (no
// worker: the test writes the tenant's rows and usage samples itself). The tenant page draws the
// usage as SVG with the latest values as text, the dashboard sums the active tenants' latest
// samples; an owner downloads the customer's data as a JSON attachment (never cached, audited),
// cannot erase while the tenant stands, then erases once it is destroyed (the email typed to
// confirm, and the development mailbox's messages to them go too); an operator may download but
// not erase; a viewer sees neither.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { devMailboxTransport, readDevMailbox } from "../../orchestrator/mail/dev-mailbox.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, createSharedDatabase, signInInBrowser, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
const OPERATOR = { email: "operator@vendor.test", password: "the operator's long password" };
const VIEWER = { email: "viewer@vendor.test", password: "the viewer's long password" };
const HOUR = 3_600_000;
const MiB = 1024 * 1024;

let shared: SharedDatabase;
let portal: Portal;
let browser: Browser;
let dataDir: string;
const secretKey = randomBytes(32);

beforeAll(async () => {
  shared = await createSharedDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-data-rights-"));
  [portal, browser] = await Promise.all([
    startPortal({ DATABASE_URL: shared.url, DATA_DIR: dataDir, SECRETS_KEY: secretKey.toString("hex") }),
    launchChromium(),
  ]);
  await addAdmins(shared.db, [
    { ...OWNER, role: "owner" },
    { ...OPERATOR, role: "operator" },
    { ...VIEWER, role: "viewer" },
  ]);
});
afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await shared?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function activeTenant() {
  const person = signupData({ firstName: "Ottilie", lastName: "Brandvold", phone: "+33611223344" });
  const outcome = await registerTrialSignup(shared.db.prisma, person, signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, select: { id: true, slug: true, customerId: true } });
  // What the worker writes once provisioning succeeded.
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  await shared.db.prisma.tenant.update({ where: { id: tenant.id }, data: { actualState: "active" } });
  return { ...tenant, person };
}

async function openTenant(page: Page, tenantId: string) {
  await page.goto(`${portal.url}/admin/tenants/${tenantId}`);
  await page.getByTestId("tenant-state").filter({ hasText: /^active|destroyed$/ }).waitFor();
}

describe("usage in the console", () => {
  it("draws the tenant's samples with the latest values in text, and sums the active tenants on the dashboard", async () => {
    const tenant = await activeTenant();
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    for (let i = 5; i >= 1; i--) {
      await shared.db.prisma.usageSample.create({
        data: { tenantId: tenant.id, at: new Date(now - i * HOUR), cpuPercent: i, memoryBytes: BigInt((100 + i) * MiB), diskBytes: BigInt(40 * MiB) },
      });
    }
    const page = await signInInBrowser(browser, portal.url, VIEWER);
    await openTenant(page, tenant.id);
    const chart = page.getByTestId("usage-chart");
    await chart.waitFor();
    expect(await chart.locator("svg[data-metric-chart]").count()).toBe(3);
    await chart.getByRole("heading", { name: "Usage over the last 30 days" }).waitFor();
    // Placed along the 30 days (the newest at the right end), not piled up.
    const xs = await chart.locator('svg[data-metric-chart="memory"] circle').evaluateAll((circles) => circles.map((c) => Number(c.getAttribute("cx"))));
    expect(xs).toHaveLength(5);
    expect(xs.every((x, i) => x > 590 && x <= 600 && (i === 0 || x > xs[i - 1]!))).toBe(true);
    expect(await chart.locator('svg[data-metric-chart="memory"]').getAttribute("aria-label")).toMatch(/^Memory from .*: lowest 101\.0 MiB, highest 105\.0 MiB, latest 101\.0 MiB$/);
    expect(await page.getByTestId("usage-latest").locator('[data-metric="memory"]').textContent()).toBe("101.0 MiB");
    expect(await page.getByTestId("usage-latest").locator('[data-metric="cpu"]').textContent()).toBe("1.0 %");
    expect(await page.getByTestId("usage-latest").locator('[data-metric="disk"]').textContent()).toBe("40.0 MiB");
    // A viewer is shown no data-rights card.
    expect(await page.getByTestId("customer-data").count()).toBe(0);

    await page.goto(`${portal.url}/admin`);
    await page.getByTestId("usage-totals").waitFor();
    const totals = await shared.db.prisma.usageSample.findMany({ where: { tenant: { actualState: "active" } }, distinct: ["tenantId"], orderBy: [{ tenantId: "asc" }, { at: "desc" }] });
    const memory = totals.reduce((sum, s) => sum + Number(s.memoryBytes), 0);
    expect(await page.getByTestId("total-memory").textContent()).toBe(`${(memory / MiB).toFixed(1)} MiB`);
  });
});

describe("customers' data rights in the console", () => {
  it("an owner downloads the JSON export, may erase only once the tenant is destroyed, and then erases", async () => {
    const tenant = await activeTenant();
    // What the mail sender left in the development mailbox (no SMTP_URL): one to them, one not.
    const mailbox = devMailboxTransport(path.join(dataDir, "mailbox"), new SecretBox(secretKey));
    const envelope = (to: string, n: number) => ({ from: "Tenantry <noreply@vendor.test>", to, subject: `s${n}`, text: "Hello Ottilie", html: "", messageId: `<m${n}@t>` });
    await mailbox.send(envelope(tenant.person.email, 1));
    await mailbox.send(envelope("someone.else@example.com", 2));
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await openTenant(page, tenant.id);

    // The download: an attachment, never cached, holding what signup wrote; audited.
    const [response, download] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/admin/customers/${tenant.customerId}/export`)),
      page.waitForEvent("download"),
      page.getByTestId("export-customer").click(),
    ]);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-disposition"]).toMatch(new RegExp(`^attachment; filename="customer-${tenant.customerId}-\\d{4}-\\d{2}-\\d{2}\\.json"$`));
    expect(response.headers()["cache-control"]).toBe("no-store");
    const data = JSON.parse(await readFile((await download.path())!, "utf8")) as { customer: Record<string, unknown>; tenants: { slug: string }[] };
    expect(data.customer).toMatchObject({ id: tenant.customerId, firstName: "Ottilie", lastName: "Brandvold", email: tenant.person.email, phone: "+33611223344" });
    expect(data.tenants.map((t) => t.slug)).toEqual([tenant.slug]);
    const exported = await shared.db.prisma.auditLog.findMany({ where: { action: "customer.exported", details: { path: ["customerId"], equals: tenant.customerId } } });
    expect(exported.map((e) => [e.actorId, e.details])).toEqual([[OWNER.email, { customerId: tenant.customerId }]]);

    // While the tenant stands, erasure waits and says why.
    await page.getByTestId("erase-waits").filter({ hasText: tenant.slug }).waitFor();
    expect(await page.getByTestId("erase-customer").isDisabled()).toBe(true);

    // Destroyed (as the destroy job leaves it): a wrong email erases nothing, the right one erases.
    await shared.db.prisma.tenant.update({ where: { id: tenant.id }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    await openTenant(page, tenant.id);
    const confirm = page.getByLabel("The customer's email, to confirm");
    await confirm.fill("someone.else@example.com");
    await page.getByTestId("erase-customer").click();
    await page.getByRole("alert").filter({ hasText: "The email typed is not the customer's: nothing was erased." }).waitFor();
    expect((await shared.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } })).erasedAt).toBeNull();

    await confirm.fill(tenant.person.email.toUpperCase());
    await page.getByTestId("erase-customer").click();
    await page.getByTestId("customer-erased").waitFor();
    const customer = await shared.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } });
    expect(customer).toMatchObject({ firstName: "erased", lastName: "erased", phone: "erased", email: `erased-${tenant.customerId}@erased.invalid` });
    expect(await page.getByText("Ottilie").count()).toBe(0);
    const erased = await shared.db.prisma.auditLog.findMany({ where: { action: "customer.erased", details: { path: ["customerId"], equals: tenant.customerId } } });
    expect(erased.map((e) => [e.actorId, e.outcome])).toEqual([[OWNER.email, "succeeded"]]);
    expect((await readDevMailbox(path.join(dataDir, "mailbox"), secretKey)).map((m) => m.to)).toEqual(["someone.else@example.com"]);
  });

  it("an operator may download but not erase; a GET of the export is refused", async () => {
    const tenant = await activeTenant();
    await shared.db.prisma.tenant.update({ where: { id: tenant.id }, data: { desiredState: "destroyed", actualState: "destroyed" } });
    const page = await signInInBrowser(browser, portal.url, OPERATOR);
    await openTenant(page, tenant.id);
    await page.getByTestId("export-customer").waitFor();
    expect(await page.getByTestId("erase-customer").count()).toBe(0);

    // Posted anyway, with the session's own CSRF token: refused by role, nothing erased.
    const csrf = await page.locator('[data-testid="customer-data"] input[name="csrf"]').first().inputValue();
    const status = await page.evaluate(
      async ({ url, csrf, email }) => (await fetch(url, { method: "POST", body: new URLSearchParams({ csrf, confirmEmail: email }) })).status,
      { url: `/admin/customers/${tenant.customerId}/erase`, csrf, email: tenant.person.email },
    );
    expect(status).toBe(403);
    expect((await shared.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } })).erasedAt).toBeNull();
    const get = await page.evaluate(async (url) => (await fetch(url)).status, `/admin/customers/${tenant.customerId}/export`);
    expect(get).toBe(405);
  });
});
