// The console's engine page and the tenant page's observation, over HTTP from the real portal whose
// scheduler reconciles against an engine that does not answer (a socket that does not exist): the
// engine is reported down, the tenant is shown unreachable and, flagged by earlier failed repairs,
// with the sentence that tells the operator what to do; the strays are listed with the sentence
// that they are never deleted automatically and the command that removes each by hand. In English
// and in French, for a viewer.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { addAdmins, createSharedDatabase, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const VIEWER = { email: "engine-viewer@vendor.test", password: "the viewer's long password" };
const STRAY = `client-gone-${randomUUID().slice(0, 6)}-postgres-data`;
let shared: SharedDatabase;
let portal: Portal;
let tenantId: string;
let slug: string;

beforeAll(async () => {
  shared = await createSharedDatabase();
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company: "Engine Page Co" }), signupContext());
  if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.update({
    where: { statusToken: outcome.statusToken },
    data: { actualState: "active", repairFailures: 2, attentionReason: "repairs_failed:missing:app" },
  });
  tenantId = tenant.id;
  slug = tenant.slug;
  const seen = new Date("2026-11-30T08:15:00Z");
  await shared.db.prisma.strayResource.create({
    data: { kind: "volume", name: STRAY, project: "client-gone", tenantLabel: randomUUID(), firstSeenAt: seen, lastSeenAt: seen },
  });
  portal = await startPortal({ DATABASE_URL: shared.url, WORKER: "true", SCHEDULER_POLL_SECONDS: "1", DOCKER_SOCKET: "/nonexistent/docker.sock" });
  await addAdmins(shared.db, [{ ...VIEWER, role: "viewer" }]);
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

async function page(cookie: string, path: string, language: string): Promise<string> {
  const response = await fetch(`${portal.url}${path}`, { headers: { Cookie: cookie, "Accept-Language": language } });
  expect(response.status).toBe(200);
  // React separates adjacent text parts with comments: read the text as a person would.
  return (await response.text()).replaceAll("<!-- -->", "");
}

describe("console: engine page and the tenant's observation", () => {
  it("shows the engine down, the flagged tenant and the strays, in English and French", async () => {
    const cookie = await signIn(portal.url, VIEWER);
    // The reconciliation run at the portal's start marks the tenant unreachable.
    const deadline = Date.now() + 30_000;
    while ((await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).observedState !== "unreachable") {
      if (Date.now() > deadline) throw new Error(`the tenant was never marked unreachable\n${portal.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    const html = await page(cookie, "/admin/engine", "en");
    expect(html).toContain("Engine and reconciliation");
    expect(html).toContain('data-testid="engine-down"');
    expect(html).toMatch(/Last reconciliation: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(done\)/);
    expect(html).toContain("The engine did not answer: 1 tenant(s) marked unreachable.");
    expect(html).toContain(`data-tenant="${slug}"`);
    expect(html).toContain("engine unreachable");
    expect(html).toContain("Service(s) app missing on the engine and two repairs failed");
    expect(html).toContain("Tenantry never deletes these on its own");
    expect(html).toContain(`data-stray="${STRAY}"`);
    expect(html).toContain(`docker volume rm ${STRAY}`);
    expect(html).toContain("2026-11-30 08:15");
    expect(html).toContain('href="/admin/engine"');

    const french = await page(cookie, "/admin/engine", "fr");
    expect(french).toContain("Moteur et réconciliation");
    expect(french).toContain("Tenantry ne les supprime jamais de lui-même");
    expect(french).toContain("moteur injoignable");
    expect(french).toMatch(/Dernière réconciliation\u00a0: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(terminée\)/);
    expect(french).toContain(`docker volume rm ${STRAY}`);

    const tenantPage = await page(cookie, `/admin/tenants/${tenantId}`, "en");
    expect(tenantPage).toContain("What the reconciler saw");
    expect(tenantPage).toContain('data-testid="attention-badge"');
    expect(tenantPage).toContain('data-observed="unreachable"');
    expect(tenantPage).toContain("fix the cause, then restart the tenant");
    const tenantFrench = await page(cookie, `/admin/tenants/${tenantId}`, "fr");
    expect(tenantFrench).toContain("Ce que la réconciliation a constaté");
    expect(tenantFrench).toContain("Intervention nécessaire");
  });
});
