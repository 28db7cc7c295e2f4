// The console's Backups card (issue 13) in Chromium against the real portal (no worker, no stack:
// the test writes the tenant's and its backup's rows itself, as the jobs would): an owner sees the
// backup (reason, state, size, rows), takes a backup and restores one in place, each queued as a
// job with its audit entry naming them, the card then saying a job is pending; a new tenant's slug
// that cannot be is refused in French and in English; a viewer gets no card and a 403.
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
let tenantId = "";
let backupId = "";

beforeAll(async () => {
  shared = await createSharedDatabase();
  [portal, browser] = await Promise.all([startPortal({ DATABASE_URL: shared.url }), launchChromium()]);
  await addAdmins(shared.db, [
    { ...OWNER, role: "owner" },
    { ...VIEWER, role: "viewer" },
  ]);
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company: "D Console Backups" }), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } });
  tenantId = tenant.id;
  // What the provision and backup jobs would have written.
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId }, data: { status: "succeeded" } });
  await shared.db.prisma.tenant.update({ where: { id: tenantId }, data: { actualState: "active" } });
  const backup = await shared.db.prisma.tenantBackup.create({
    data: {
      tenantId,
      reason: "manual",
      status: "succeeded",
      jobId: "00000000-0000-4000-8000-000000000001",
      fileName: `${tenantId}-20261203T100000Z-test.sql.gz.tbk`,
      sizeBytes: BigInt(2 * 1024 * 1024),
      durationMs: 1200,
      sha256: "0".repeat(64),
      rowCounts: { "public.notes": 3, "public.users": 1 },
      createdAt: new Date("2026-12-03T10:00:00Z"),
    },
  });
  backupId = backup.id;
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

describe("the tenant page's Backups card", () => {
  it("lists the backups; an owner takes one and restores one in place, each queued and audited", async () => {
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await page.goto(`${portal.url}/admin/tenants/${tenantId}`);
    const card = page.getByTestId("tenant-backups");
    const row = card.locator(`tr[data-backup="${backupId}"]`);
    await row.waitFor();
    expect((await row.textContent())?.replace(/\s+/g, " ")).toMatch(/3 Dec 2026, 10:00 UTC\s*manual\s*done\s*2\.00 MiB\s*4/);

    await card.getByTestId("backup-take").click();
    await card.getByTestId("backup-result").filter({ hasText: /^Backup queued \(job [0-9a-f-]+\)\.$/ }).waitFor();
    await card.getByTestId("backups-busy").waitFor();
    const backupJob = await shared.db.prisma.provisioningJob.findFirstOrThrow({ where: { tenantId, kind: "backup" } });
    expect(backupJob).toMatchObject({ status: "queued", requestedBy: OWNER.email, parameters: { reason: "manual" } });
    const asked = await shared.db.prisma.auditLog.findFirstOrThrow({ where: { tenantId, action: "admin.backup" } });
    expect(asked).toMatchObject({ actorType: "admin", actorId: OWNER.email, outcome: "queued" });

    // Restoring in place needs the tick (the browser refuses the form without it).
    await row.getByTestId("restore-confirm").check();
    await row.getByTestId("restore-in-place").click();
    await card.getByTestId("backup-result").filter({ hasText: /^Restore of the backup of 2026-12-03 10:00 UTC queued \(job [0-9a-f-]+\)\.$/ }).waitFor();
    const restoreJob = await shared.db.prisma.provisioningJob.findFirstOrThrow({ where: { tenantId, kind: "restore" } });
    expect(restoreJob).toMatchObject({ status: "queued", requestedBy: OWNER.email, parameters: { backupId } });
  });

  it("refuses a new tenant's slug that cannot be, in French and in English, creating nothing", async () => {
    const cookie = await signIn(portal.url, OWNER);
    const csrf = await csrfOf(cookie);
    const post = (language: string, into: string) =>
      postForm(`${portal.url}/admin/tenants/${tenantId}/backups`, { csrf, intent: "restore-into", backupId, into }, { Cookie: cookie, "Accept-Language": language });
    const fr = await post("fr", "Pas Un Slug!");
    expect(fr.status).toBe(400);
    expect(((await fr.json()) as { error: string }).error).toBe(
      "« pas un slug! » ne peut pas être l'identifiant de la nouvelle instance : 3 à 40 lettres minuscules, chiffres et tirets, pas déjà pris.",
    );
    const tenant = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    const en = await post("en", tenant.slug);
    expect(((await en.json()) as { error: string }).error).toBe(
      `“${tenant.slug}” cannot be the new tenant's slug: 3 to 40 lowercase letters, digits and dashes, not already taken.`,
    );
    const unconfirmed = await postForm(`${portal.url}/admin/tenants/${tenantId}/backups`, { csrf, intent: "restore", backupId }, { Cookie: cookie, "Accept-Language": "fr" });
    expect(((await unconfirmed.json()) as { error: string }).error).toBe("Cochez la case pour confirmer que les données actuelles sont remplacées.");
    expect(await shared.db.prisma.tenant.count({ where: { customerId: tenant.customerId } })).toBe(1);
  });

  it("shows each backup's scheduled restore check: passed with its date, failed with its reason, or not yet", async () => {
    const row = (id: string, reason: string, at: string, verify: { verifyStatus: string; verifiedAt: Date; verifyError: string | null } | null) =>
      shared.db.prisma.tenantBackup.create({
        data: { tenantId, reason, status: "succeeded", jobId: crypto.randomUUID(), fileName: `${tenantId}-${id}.sql.gz.tbk`, sizeBytes: BigInt(1024), sha256: "1".repeat(64), createdAt: new Date(at), ...(verify ?? {}) },
      });
    const passed = await row("e-passed", "scheduled", "2026-12-04T02:00:00Z", { verifyStatus: "passed", verifiedAt: new Date("2026-12-06T04:00:00Z"), verifyError: null });
    const failed = await row("e-failed", "scheduled", "2026-12-05T02:00:00Z", {
      verifyStatus: "failed",
      verifiedAt: new Date("2026-12-06T04:05:00Z"),
      verifyError: "The backup file is damaged (truncated or altered): its checksum does not match.",
    });
    const page = await signInInBrowser(browser, portal.url, OWNER);
    await page.goto(`${portal.url}/admin/tenants/${tenantId}`);
    const card = page.getByTestId("tenant-backups");
    await card.locator(`tr[data-backup="${failed.id}"]`).waitFor();
    expect(await card.locator("th").allTextContents()).toContain("Restore check");
    expect(await card.locator(`tr[data-backup="${passed.id}"] td[data-verify="passed"]`).textContent()).toBe("restored and checked on 6 Dec 2026");
    const failedCell = card.locator(`tr[data-backup="${failed.id}"] td[data-verify="failed"]`);
    expect((await failedCell.textContent())?.startsWith("failed the check on 6 Dec 2026")).toBe(true);
    expect(await failedCell.textContent()).toContain("its checksum does not match");
    expect(await card.locator(`tr[data-backup="${backupId}"] td[data-verify="none"]`).textContent()).toBe("not checked yet");
  });

  it("shows a viewer no card and refuses them the card's data and forms (403)", async () => {
    const page = await signInInBrowser(browser, portal.url, VIEWER);
    await page.goto(`${portal.url}/admin/tenants/${tenantId}`);
    await page.getByTestId("slug").waitFor();
    expect(await page.getByTestId("tenant-backups").count()).toBe(0);
    const cookie = await signIn(portal.url, VIEWER);
    expect((await fetch(`${portal.url}/admin/tenants/${tenantId}/backups?_data=routes%2Fadmin.tenants.%24id_.backups`, { headers: { Cookie: cookie } })).status).toBe(403);
    const csrf = await csrfOf(cookie);
    const posted = await postForm(`${portal.url}/admin/tenants/${tenantId}/backups`, { csrf, intent: "backup" }, { Cookie: cookie });
    expect(posted.status).toBe(403);
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId, kind: "backup", requestedBy: VIEWER.email } })).toBe(0);
  });
});
