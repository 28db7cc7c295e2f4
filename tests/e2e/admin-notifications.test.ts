// The console's Notifications page over HTTP, from the real portal whose notification sender runs
// in mock mode with a Slack webhook configured: alerts raised in the database are handled (logged,
// nothing sent) and listed with their kind, severity and delivery, in English and in French, for
// any admin; the page and the portal's log never show the webhook's URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { raiseNotification } from "../../orchestrator/notify/alerts.ts";
import { addAdmins, createSharedDatabase, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";

const VIEWER = { email: "notify-viewer@vendor.test", password: "the viewer's long password" };
const WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/SECRETTOKEN123";
let shared: SharedDatabase;
let portal: Portal;

beforeAll(async () => {
  shared = await createSharedDatabase();
  portal = await startPortal({
    DATABASE_URL: shared.url,
    WORKER: "true",
    SCHEDULER: "false",
    DOCKER_SOCKET: "/nonexistent/docker.sock",
    NOTIFY_MODE: "mock",
    NOTIFY_EMAILS: "ops@vendor.test,oncall@vendor.test",
    NOTIFY_WEBHOOK_URL: WEBHOOK,
    NOTIFY_WEBHOOK_FORMAT: "slack",
  });
  await addAdmins(shared.db, [{ ...VIEWER, role: "viewer" }]);
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

async function page(cookie: string, language: string): Promise<string> {
  const response = await fetch(`${portal.url}/admin/notifications`, { headers: { Cookie: cookie, "Accept-Language": language } });
  expect(response.status).toBe(200);
  return response.text();
}

describe("console: operator notifications", () => {
  it("lists the notifications and how they were handled, in English and French, never the webhook's URL", async () => {
    await raiseNotification(shared.db.prisma, {
      idempotencyKey: "alert.provisioning_failed:job-e2e",
      kind: "alert.provisioning_failed",
      severity: "critical",
      title: "Provisioning failed for tenant acme-e2e",
      fields: { tenant: "acme-e2e", tenantId: "t", jobId: "job-e2e", reason: "image missing" },
    });
    await raiseNotification(shared.db.prisma, {
      idempotencyKey: "report.weekly:e2e",
      kind: "report.weekly",
      severity: "info",
      title: "Weekly report",
      fields: { signups: 3 },
    });
    const cookie = await signIn(portal.url, VIEWER);
    const deadline = Date.now() + 30_000;
    let html = await page(cookie, "en");
    while ((html.match(/data-status="sent"/g) ?? []).length < 2) {
      if (Date.now() > deadline) throw new Error(`the notifications were never handled:\n${html}\n${portal.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      html = await page(cookie, "en");
    }
    expect(html).toContain("Operator notifications");
    expect(html).toContain("Mock mode: notifications are written to the log, nothing is sent");
    expect(html).toMatch(/data-kind="alert.provisioning_failed" data-status="sent">.*?Provisioning failed<\/strong>.*?Provisioning failed for tenant acme-e2e.*?alert.*?sent \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/s);
    expect(html).toContain("nothing sent (mock mode): the notification was logged; it would go to email to 2 addresses and a slack webhook");
    expect(html).toMatch(/data-kind="report.weekly"[^>]*>.*?Weekly report<\/strong>/s);

    const french = await page(cookie, "fr");
    expect(french).toContain("Notifications des opérateurs");
    expect(french).toContain("Mode simulé");
    expect(french).toMatch(/Échec du provisionnement<\/strong>.*?alerte.*?envoyée \d{4}-/s);

    // The sender logged each notification (mock mode), and the URL's secret nowhere.
    expect(portal.output()).toContain("operator notification (mock mode: logged, not sent)");
    for (const text of [html, french, portal.output()]) expect(text).not.toContain("SECRETTOKEN123");
  });
});
