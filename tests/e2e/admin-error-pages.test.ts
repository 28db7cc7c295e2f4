// The console's error pages over HTTP, as a browser without JavaScript gets them from the real
// portal: a viewer posting an action gets the 403 page, an unknown tenant the 404 page, an action
// on a destroyed tenant the 409 page that says so; each with its own words, in English and French
// (app/components/error-page.tsx, thrown from app/routes/admin.tenants.$id.tsx and the guards).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { addAdmins, createSharedDatabase, postForm, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };
const VIEWER = { email: "viewer@vendor.test", password: "the viewer's long password" };

let shared: SharedDatabase;
let portal: Portal;
let activeId = "";
let destroyedId = "";

async function newTenant(): Promise<string> {
  const outcome = await registerTrialSignup(shared.db.prisma, signupData(), signupContext());
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  return (await shared.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } })).id;
}

beforeAll(async () => {
  shared = await createSharedDatabase();
  portal = await startPortal({ DATABASE_URL: shared.url });
  await addAdmins(shared.db, [
    { ...OWNER, role: "owner" },
    { ...VIEWER, role: "viewer" },
  ]);
  activeId = await newTenant();
  destroyedId = await newTenant();
  await shared.db.prisma.tenant.update({ where: { id: destroyedId }, data: { desiredState: "destroyed", actualState: "destroyed" } });
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

/** The page's visible words: tags dropped, React's entities decoded, spaces squeezed. */
function words(html: string): string {
  const body = html.slice(html.indexOf("<main>"), html.indexOf("</main>"));
  return body
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** Signs in, opens the tenant page, and posts `intent` with the session's CSRF token, in `language`. */
async function postAction(account: typeof OWNER, tenantId: string, intent: string, language: "en" | "fr") {
  const cookie = await signIn(portal.url, account);
  const page = await (await fetch(`${portal.url}/admin`, { headers: { Cookie: cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  expect(csrf).toBeTruthy();
  const response = await postForm(`${portal.url}/admin/tenants/${tenantId}`, { csrf: csrf!, intent }, { Cookie: cookie, "Accept-Language": language });
  return { status: response.status, text: words(await response.text()) };
}

describe("the console's error pages", () => {
  it("shows a viewer who posts an action the 403 page, in English and French, and queues nothing", async () => {
    const en = await postAction(VIEWER, activeId, "suspend", "en");
    expect(en.status).toBe(403);
    expect(en.text).toContain("Not allowed");
    expect(en.text).toContain("Your account may not do this: it needs a higher role (ask an owner)");
    const fr = await postAction(VIEWER, activeId, "suspend", "fr");
    expect(fr.status).toBe(403);
    expect(fr.text).toContain("Action non autorisée");
    expect(fr.text).toContain("Votre compte ne peut pas faire cela");
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: activeId, kind: "suspend" } })).toBe(0);
  });

  it("shows the 404 page for an unknown tenant, in English and French", async () => {
    const cookie = await signIn(portal.url, OWNER);
    const open = async (language: string) => {
      const response = await fetch(`${portal.url}/admin/tenants/no-such-tenant`, { headers: { Cookie: cookie, "Accept-Language": language } });
      return { status: response.status, text: words(await response.text()) };
    };
    const en = await open("en");
    expect(en.status).toBe(404);
    expect(en.text).toContain("Page not found");
    expect(en.text).toContain("This tenant does not exist.");
    const fr = await open("fr");
    expect(fr.status).toBe(404);
    expect(fr.text).toContain("Page introuvable");
    expect(fr.text).toContain("Ce client n'existe pas.");
  });

  it("shows the 409 page when an action is refused because the tenant is destroyed, in English and French", async () => {
    const en = await postAction(OWNER, destroyedId, "resume", "en");
    expect(en.status).toBe(409);
    expect(en.text).toContain("Not possible now");
    expect(en.text).toContain("This tenant is destroyed; nothing more can be done to it.");
    expect(en.text).toContain("See how things stand now");
    const fr = await postAction(OWNER, destroyedId, "resume", "fr");
    expect(fr.status).toBe(409);
    expect(fr.text).toContain("Impossible pour l'instant");
    expect(fr.text).toContain("Ce client est supprimé ; plus rien ne peut lui être fait.");
    // Nothing was queued; each refusal is in the audit log, with its reason.
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: destroyedId, kind: "resume" } })).toBe(0);
    const refusals = await shared.db.prisma.auditLog.findMany({ where: { tenantId: destroyedId, outcome: "refused" } });
    expect(refusals.map((a) => [a.action, a.actorId, (a.details as { reason?: string }).reason])).toEqual([
      ["admin.resume", OWNER.email, "refused.destroyed"],
      ["admin.resume", OWNER.email, "refused.destroyed"],
    ]);
  });

  it("keeps a form's own mistakes on the page (400), in the reader's language", async () => {
    const en = await postAction(OWNER, activeId, "extend", "en");
    expect(en.status).toBe(400);
    expect(en.text).toContain("Extend by a whole number of days, from 1 to 365.");
    expect(en.text).not.toContain("Not possible now");
    const fr = await postAction(OWNER, activeId, "plan", "fr");
    expect(fr.status).toBe(400);
    expect(fr.text).toContain("Un nom d'offre compte 1 à 30 lettres minuscules, chiffres ou tirets.");
  });
});
