// Destroying a tenant, from the admin console in Chromium, on the real portal, database and Docker
// engine: a destruction that fails halfway (something outside Tenantry holds the tenant's network)
// keeps the tenant from every other action and can be retried from its page, in English or French;
// the retry finishes the job: no container, network or volume left, the port lease released, the
// tenant's secrets deleted, its subscription canceled, each step in the audit log.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { addAdmins, signInInBrowser } from "../support/console-fixtures.ts";
import { docker, engineResourcesOf, signUp, startTenantLab, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const run = promisify(execFile);
const OWNER = { email: "destroyer@vendor.test", password: "destroy with care please" };

let lab: TenantLab;
let browser: Browser;
const blockers: string[] = [];

beforeAll(async () => {
  [lab, browser] = await Promise.all([startTenantLab(), launchChromium()]);
  await addAdmins(lab.db, [{ ...OWNER, role: "owner" }]);
});
afterAll(async () => {
  for (const name of blockers) await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  await browser?.close();
  await lab?.stop();
});

const signIn = (): Promise<Page> => signInInBrowser(browser, lab.portal.url, OWNER);

/** Posts a console action as the page's own form would (same session, same CSRF token); returns the status. */
function postAction(page: Page, tenantId: string, intent: string): Promise<number> {
  return page.evaluate(
    async ({ url, intent }) => {
      const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement | null)?.value ?? "";
      const response = await fetch(url, { method: "POST", body: new URLSearchParams({ csrf, intent }) });
      return response.status;
    },
    { url: `/admin/tenants/${tenantId}`, intent },
  );
}

async function waitForState(page: Page, state: string) {
  await page.getByTestId("tenant-state").filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: 120_000 });
}

describe("destroying a tenant from the console", () => {
  it("retries a destruction that failed halfway, and then leaves nothing of the tenant but its records", async () => {
    const tenant = await signUp(lab, `Teardown ${lab.tag}`);
    const [active] = await waitForJobs(lab, [tenant.id]);
    expect(active!.actualState).toBe("active");
    expect(await lab.db.prisma.tenantSecret.count({ where: { tenantId: tenant.id } })).toBe(3);

    // Someone debugging the tenant left a container of their own on its network: the engine
    // refuses to remove a network in use, so the destruction fails after the tenant's containers went.
    const blocker = `${tenant.slug}-debug`;
    blockers.push(blocker);
    await run("docker", ["run", "-d", "--name", blocker, "--network", `${tenant.slug}-network`, "tenantry/postgres:15-local", "sleep", "600"]);

    const page = await signIn();
    await page.goto(`${lab.portal.url}/admin/tenants/${tenant.id}`);
    await waitForState(page, "active");
    await page.getByLabel("Type the slug to confirm").fill(tenant.slug);
    await page.getByRole("button", { name: "Destroy", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "requested" }).waitFor();
    await waitForState(page, "failed");

    const failed = await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, include: { portLeases: true, subscription: true } });
    expect([failed.desiredState, failed.actualState]).toEqual(["destroyed", "failed"]);
    expect(failed.progress).toMatch(/network/);
    // Half done: the containers are gone, the network and the data volume are not.
    const halfway = await engineResourcesOf(tenant.id);
    expect(halfway.containers).toEqual([]);
    expect(halfway.volumes).toEqual([`${tenant.slug}-postgres-data`]);
    expect(failed.portLeases).toHaveLength(1);

    // The page offers only the retry; every other action is refused by the server too.
    await page.getByRole("button", { name: "Retry destruction" }).waitFor();
    expect(await page.getByRole("button", { name: "Suspend", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry provisioning" }).count()).toBe(0);
    // Refused because of the tenant's state: the console's 409 page (app/components/error-page.tsx).
    expect(await postAction(page, tenant.id, "resume")).toBe(409);
    expect(await postAction(page, tenant.id, "retry")).toBe(409);

    // The cause is fixed; the retry is offered in French too, and run from there.
    await docker.getContainer(blocker).remove({ force: true });
    await page.goto(`${lab.portal.url}/lang/fr?redirectTo=${encodeURIComponent(`/admin/tenants/${tenant.id}`)}`);
    await page.getByText("Sa suppression a échoué").waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Relancer la suppression" }).click();
    await page.getByRole("status").filter({ hasText: "demandé" }).waitFor();
    await waitForState(page, "destroyed");
    expect(await page.getByRole("button", { name: "Relancer la suppression" }).count()).toBe(0);

    expect(await engineResourcesOf(tenant.id)).toEqual({ containers: [], networks: [], volumes: [] });
    const destroyed = await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, include: { portLeases: true, subscription: true } });
    expect(destroyed.actualState).toBe("destroyed");
    expect(destroyed.portLeases).toEqual([]);
    expect(await lab.db.prisma.tenantSecret.count({ where: { tenantId: tenant.id } })).toBe(0);
    expect(destroyed.subscription?.status).toBe("canceled");

    const audit = await lab.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id }, orderBy: { id: "asc" } });
    const trail = audit.map((a) => `${a.action}:${a.outcome}`);
    expect(trail).toEqual(
      expect.arrayContaining(["admin.destroy:queued", "tenant.destroy_failed:failed", "admin.retry_destroy:queued", "tenant.destroyed:succeeded"]),
    );
    expect(trail.indexOf("admin.retry_destroy:queued")).toBeGreaterThan(trail.indexOf("tenant.destroy_failed:failed"));
    const retry = audit.find((a) => a.action === "admin.retry_destroy")!;
    expect(retry.actorId).toBe(OWNER.email);
    expect((retry.details as { jobId: string }).jobId).toMatch(/^[0-9a-f-]{36}$/);

    // Destroyed for good: nothing more can be asked of it, not even another retry.
    const jobs = await lab.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id } });
    expect(await postAction(page, tenant.id, "retry_destroy")).toBe(409);
    expect(await lab.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id } })).toBe(jobs);
    const refusals = await lab.db.prisma.auditLog.findMany({ where: { tenantId: tenant.id, outcome: "refused" }, orderBy: { id: "asc" } });
    expect(refusals.map((a) => [a.action, (a.details as { reason: string }).reason])).toEqual([
      ["admin.resume", "refused.destroying"],
      ["admin.retry", "refused.destroying"],
      ["admin.retry_destroy", "refused.destroyed"],
    ]);
  });
});
