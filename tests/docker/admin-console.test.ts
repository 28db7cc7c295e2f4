// The admin console, used in Chromium as a person would, against the real portal, database and
// Docker engine: a tenant through its whole life, each action in the audit log.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, signInInBrowser, type AdminAccount } from "../support/console-fixtures.ts";
import { repoRoot } from "../support/portal.ts";
import { docker, engineResourcesOf, logIn, signUp, startTenantLab, tenantSecrets, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const screenshots = path.join(repoRoot, "test-results", "screenshots");
const OWNER = { email: "owner@vendor.test", password: "correct horse battery" };
const VIEWER = { email: "viewer@vendor.test", password: "read only but long" };

let lab: TenantLab;
let browser: Browser;

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  [lab, browser] = await Promise.all([startTenantLab(), launchChromium()]);
  await addAdmins(lab.db, [
    { ...OWNER, role: "owner" },
    { ...VIEWER, role: "viewer" },
  ]);
});
afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

const signIn = (who: AdminAccount): Promise<Page> => signInInBrowser(browser, lab.portal.url, who);

async function waitForState(page: Page, state: string) {
  await page.getByTestId("tenant-state").filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: 120_000 });
}

async function act(page: Page, button: string) {
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: button, exact: true }).click();
  await page.getByRole("status").filter({ hasText: "requested" }).waitFor();
}

describe("admin console", () => {
  it("runs a tenant through its life: active, suspended, resumed, new credentials, destroyed", async () => {
    const page = await signIn(OWNER);
    const tenant = await signUp(lab, `Console ${lab.tag} SARL`);
    await page.reload();
    await page.getByTestId("active-trials").filter({ hasText: /^[1-9]/ }).waitFor();
    await page.screenshot({ path: path.join(screenshots, "admin-dashboard.png"), fullPage: true });

    // Find the tenant the signup just created.
    await page.getByRole("link", { name: "Tenants" }).click();
    await page.getByLabel("Search").fill(`console ${lab.tag}`);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByTestId("total").filter({ hasText: /^1 tenant/ }).waitFor();
    await page.getByRole("link", { name: `Console ${lab.tag} SARL` }).click();

    // Watch it become active.
    await waitForState(page, "active");
    await page.locator(`tr[data-container="${tenant.slug}-app"][data-state="running"]`).waitFor();
    await page.getByTestId("logs").filter({ hasText: /listening|8080/i }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(screenshots, "admin-tenant.png"), fullPage: true });
    const port = (await lab.db.prisma.portLease.findFirstOrThrow({ where: { tenantId: tenant.id } })).port;

    // Suspend: its containers stop.
    await act(page, "Suspend");
    await waitForState(page, "suspended");
    const stopped = await engineResourcesOf(tenant.id);
    expect(stopped.containers.map((c) => c.state)).toEqual(["exited", "exited"]);

    // Resume: its app answers again.
    await act(page, "Resume");
    await waitForState(page, "active");
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    // Resend credentials: the new password works, the old one does not.
    const { initial_password: oldPassword } = await tenantSecrets(lab, tenant.id);
    const resendJobs = () => lab.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "resend_credentials", status: "succeeded" } });
    await act(page, "Resend credentials");
    for (let i = 0; i < 120 && (await resendJobs()) === 0; i++) await new Promise((r) => setTimeout(r, 500));
    // The sender delivers within a second or so of the job; the mailbox page shows it once reloaded.
    await page.getByRole("link", { name: "Mailbox" }).click();
    const newest = page.getByTestId("mail").first();
    for (let i = 0; i < 60 && !((await newest.textContent()) ?? "").includes("New login details"); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
    }
    await newest.filter({ hasText: "New login details" }).waitFor();
    const newPassword = /Temporary password:\s*(\S+)/.exec((await newest.textContent()) ?? "")?.[1];
    expect(newPassword).toBeTruthy();
    expect(newPassword).not.toBe(oldPassword);
    expect((await logIn(port, tenant.slug, newPassword!)).status).toBe(200);
    expect((await logIn(port, tenant.slug, oldPassword!)).status).toBe(401);

    // Destroy (typing the slug): nothing of it remains on the engine.
    await page.goto(`${lab.portal.url}/admin/tenants/${tenant.id}`);
    await page.getByLabel("Type the slug to confirm").fill(tenant.slug);
    await page.getByRole("button", { name: "Destroy", exact: true }).click();
    await waitForState(page, "destroyed");
    expect(await engineResourcesOf(tenant.id)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await docker.listVolumes({ filters: { name: [`${tenant.slug}-postgres-data`] } }).then((v) => v.Volumes ?? [])).toEqual([]);
    expect(await lab.db.prisma.portLease.count({ where: { tenantId: tenant.id } })).toBe(0);

    // Each action is in the audit log, with who asked and how it ended.
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByLabel("Tenant").fill(tenant.slug);
    await page.getByRole("button", { name: "Filter" }).click();
    const audit = page.getByTestId("audit");
    for (const action of ["admin.suspend", "tenant.suspended", "admin.resume", "tenant.resumed", "admin.resend", "tenant.credentials_resent", "admin.destroy", "tenant.destroyed"]) {
      const row = audit.locator(`tr[data-action="${action}"]`);
      await row.first().waitFor();
      expect(await row.first().textContent()).toContain(OWNER.email);
    }
  });

  it("lets a viewer look but not change anything", async () => {
    const tenant = await signUp(lab, `Viewer ${lab.tag}`);
    await waitForJobs(lab, [tenant.id]);
    const page = await signIn(VIEWER);
    await page.goto(`${lab.portal.url}/admin/tenants/${tenant.id}`);
    await waitForState(page, "active");
    expect(await page.getByRole("button", { name: "Suspend" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Destroy" }).count()).toBe(0);

    // Even a hand-made request with the viewer's own session and CSRF token is refused.
    const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const session = await lab.db.prisma.adminSession.findFirstOrThrow({ where: { adminUser: { email: VIEWER.email } }, orderBy: { createdAt: "desc" } });
    const response = await fetch(`${lab.portal.url}/admin/tenants/${tenant.id}?_data=routes%2Fadmin.tenants.%24id`, {
      method: "POST",
      headers: { Cookie: cookies, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "suspend", csrf: session.csrfToken }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await lab.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "suspend" } })).toBe(0);
  });

  it("refuses a change without the CSRF token, even from an owner", async () => {
    const tenant = await lab.db.prisma.tenant.findFirstOrThrow({ where: { actualState: "active" } });
    const page = await signIn(OWNER);
    const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const response = await fetch(`${lab.portal.url}/admin/tenants/${tenant.id}?_data=routes%2Fadmin.tenants.%24id`, {
      method: "POST",
      headers: { Cookie: cookies, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ intent: "suspend" }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await lab.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "suspend" } })).toBe(0);
  });

  it("throttles an address at the sixth attempt, with the same answer as a wrong password", async () => {
    const login = (password: string) =>
      fetch(`${lab.portal.url}/admin/login?_data=routes%2Fadmin_.login`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: VIEWER.email, password }).toString(),
      });
    const wrong = await login("wrong 1");
    expect(wrong.status).toBe(401);
    const wrongText = await wrong.text();
    for (let i = 2; i <= 5; i++) expect((await login(`wrong ${i}`)).status).toBe(401);
    // Throttled: even the right password is refused now, with the wrong password's answer.
    const throttled = await login(VIEWER.password);
    expect(throttled.status).toBe(401);
    expect(await throttled.text()).toBe(wrongText);
    const checked = await lab.db.prisma.auditLog.count({ where: { action: "admin.login_failed", actorId: VIEWER.email } });
    expect(checked).toBe(5);
    expect(await lab.db.prisma.auditLog.count({ where: { action: "admin.login_throttled", actorId: VIEWER.email } })).toBe(1);
  });
});
