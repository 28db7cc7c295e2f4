// The console's plan change over HTTP, on the real portal (default PLANS_FILE): the tenant page
// offers the catalogue's plans with their limits in the reader's language; an operator's change is
// saved with its change_plan job and named in the page's answer; a plan not in the catalogue is
// refused with its own words (FR and EN) and nothing is queued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { addAdmins, createSharedDatabase, postForm, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OPERATOR = { email: "h-operator@vendor.test", password: "the operator's long password" };

let shared: SharedDatabase;
let portal: Portal;
let tenantId = "";

beforeAll(async () => {
  shared = await createSharedDatabase();
  portal = await startPortal({ DATABASE_URL: shared.url });
  await addAdmins(shared.db, [{ ...OPERATOR, role: "operator" }]);
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company: "H Console Plan" }), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  tenantId = (await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } })).id;
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

function words(html: string): string {
  const body = html.slice(html.indexOf("<main>"), html.indexOf("</main>"));
  return body.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}

async function tenantPage(language: "en" | "fr") {
  const cookie = await signIn(portal.url, OPERATOR);
  const html = await (await fetch(`${portal.url}/admin/tenants/${tenantId}`, { headers: { Cookie: cookie, "Accept-Language": language } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, html, csrf: csrf! };
}

async function changePlan(plan: string, language: "en" | "fr") {
  const { cookie, csrf } = await tenantPage(language);
  const response = await postForm(`${portal.url}/admin/tenants/${tenantId}`, { csrf, intent: "plan", plan }, { Cookie: cookie, "Accept-Language": language });
  return { status: response.status, text: words(await response.text()) };
}

describe("the console's plan change", () => {
  it("offers the catalogue's plans with their limits, in French and English", async () => {
    const fr = words((await tenantPage("fr")).html);
    expect(fr).toContain("Essentiel (starter) : 512 Mo, 1 CPU par conteneur");
    expect(fr).toContain("Professionnel (pro) : 1024 Mo, 2 CPU par conteneur");
    const en = words((await tenantPage("en")).html);
    expect(en).toContain("Enterprise (enterprise): 2048 MB, 2 CPU per container");
  });

  it("refuses a plan not in the catalogue, in the reader's language, queueing nothing", async () => {
    const fr = await changePlan("platinum", "fr");
    expect(fr.status).toBe(400);
    expect(fr.text).toContain("Il n'y a pas d'offre « platinum » dans le catalogue des offres (PLANS_FILE)");
    const en = await changePlan("platinum", "en");
    expect(en.text).toContain('There is no plan "platinum" in the plan catalogue (PLANS_FILE)');
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId, kind: "change_plan" } })).toBe(0);
  });

  it("an operator's change saves the plan and queues the job that applies its limits", async () => {
    const answer = await changePlan("pro", "en");
    expect(answer.status).toBe(200);
    const job = await shared.db.prisma.provisioningJob.findFirstOrThrow({ where: { tenantId, kind: "change_plan" } });
    expect(answer.text).toContain(`Plan changed to pro; its limits are applied to the containers by job ${job.id.slice(0, 8)}.`);
    expect(job.requestedBy).toBe(OPERATOR.email);
    const subscription = await shared.db.prisma.subscription.findFirstOrThrow({ where: { tenant: { id: tenantId } } });
    expect(subscription.plan).toBe("pro");
    const same = await changePlan("pro", "fr");
    expect(same.text).toContain("Ce client a déjà l'offre pro.");
  });
});
