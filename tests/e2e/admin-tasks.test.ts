// The console's Tasks page over HTTP, from the real portal whose scheduler runs: every periodic
// task listed with its period and how its last run ended, in English and in French, for any admin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addAdmins, createSharedDatabase, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";

const VIEWER = { email: "viewer@vendor.test", password: "the viewer's long password" };
let shared: SharedDatabase;
let portal: Portal;

beforeAll(async () => {
  shared = await createSharedDatabase();
  // No engine on purpose: reconciliation only marks the (absent) tenants unreachable.
  portal = await startPortal({ DATABASE_URL: shared.url, WORKER: "true", SCHEDULER_POLL_SECONDS: "1", DOCKER_SOCKET: "/nonexistent/docker.sock" });
  await addAdmins(shared.db, [{ ...VIEWER, role: "viewer" }]);
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

async function tasksPage(cookie: string, language: string): Promise<string> {
  const response = await fetch(`${portal.url}/admin/tasks`, { headers: { Cookie: cookie, "Accept-Language": language } });
  expect(response.status).toBe(200);
  return response.text();
}

describe("console: periodic tasks", () => {
  it("lists every task with its last run, in English and French", async () => {
    const cookie = await signIn(portal.url, VIEWER);
    // The scheduler runs the mail-backlog check in its first polls.
    const deadline = Date.now() + 30_000;
    let html = await tasksPage(cookie, "en");
    while (!/data-task="mail-backlog".*?done \d{4}-/s.test(html)) {
      if (Date.now() > deadline) throw new Error(`the mail-backlog task never showed as done:\n${html.slice(html.indexOf("<table"), html.indexOf("</table>"))}\n${portal.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      html = await tasksPage(cookie, "en");
    }
    for (const task of ["reconcile", "trial-lifecycle", "usage", "retention", "mail-backlog", "weekly-report"]) {
      expect(html).toContain(`data-task="${task}"`);
    }
    expect(html).toContain("Periodic tasks");
    expect(html).toContain("weekly on Monday at 07:00 UTC");
    const french = await tasksPage(cookie, "fr");
    expect(french).toContain("Tâches périodiques");
    expect(french).toMatch(/data-task="mail-backlog".*?terminée \d{4}-/s);
  });
});
