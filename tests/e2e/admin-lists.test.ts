// The console's two lists over HTTP on the real portal, their query strings read by the zod
// schemas of app/forms/admin/: tenants searched, filtered by state, paged (a value that does not
// parse falls back to its default), and audit entries filtered by tenant, action and day.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { addAdmins, createSharedDatabase, signIn, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };

let shared: SharedDatabase;
let portal: Portal;
let cookie = "";
const slugs: string[] = [];

beforeAll(async () => {
  shared = await createSharedDatabase();
  portal = await startPortal({ DATABASE_URL: shared.url });
  await addAdmins(shared.db, [{ ...OWNER, role: "owner" }]);
  for (const company of ["Listed Alpha", "Listed Beta", "Other Gamma"]) {
    const outcome = await registerTrialSignup(shared.db.prisma, signupData({ company }), signupContext());
    if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
    slugs.push(outcome.tenantSlug);
  }
  await shared.db.prisma.tenant.update({ where: { slug: slugs[1] }, data: { actualState: "failed" } });
  cookie = await signIn(portal.url, OWNER);
});
afterAll(async () => {
  await portal?.stop();
  await shared?.dispose();
});

const page = async (path: string) => {
  const response = await fetch(`${portal.url}${path}`, { headers: { Cookie: cookie } });
  expect(response.status).toBe(200);
  return response.text();
};
const total = (html: string) => /data-testid="total">([^<]*)</.exec(html)?.[1];

describe("the console's lists", () => {
  it("searches, filters and pages the tenants, and falls back on values that do not parse", async () => {
    const searched = await page("/admin/tenants?q=%20listed%20");
    expect(total(searched)).toBe("2 tenant(s) — page 1 of 1");
    expect(searched).toContain(">Listed Alpha</a>");
    expect(searched).not.toContain(">Other Gamma</a>");
    expect(searched).toContain('value="listed"');

    const failed = await page("/admin/tenants?state=failed");
    expect(total(failed)).toBe("1 tenant(s) — page 1 of 1");
    expect(failed).toContain(">Listed Beta</a>");

    // Unknown state and sort, a page that is not a number: the whole list, newest first, page 1.
    const fallback = await page("/admin/tenants?state=gone&sort=random&page=abc");
    expect(total(fallback)).toBe("3 tenant(s) — page 1 of 1");
    expect(fallback.indexOf(">Other Gamma</a>")).toBeLessThan(fallback.indexOf(">Listed Alpha</a>"));
  });

  it("filters the audit log by tenant, action and day, and ignores a day that is not one", async () => {
    const created = await shared.db.prisma.auditLog.findMany({ where: { action: "trial.created" } });
    expect(created.length).toBe(3);
    const one = await page(`/admin/audit?tenant=${slugs[0]}&action=trial.created`);
    expect(one.match(/data-action="trial.created"/g)).toHaveLength(1);
    expect(one).toContain(`>${slugs[0]}</a>`);

    const today = new Date().toISOString().slice(0, 10);
    expect((await page(`/admin/audit?action=trial.created&from=${today}&to=${today}`)).match(/data-action="trial.created"/g)).toHaveLength(3);
    expect((await page("/admin/audit?action=trial.created&to=2000-01-01")).match(/data-action="trial.created"/g)).toBeNull();
    // Not a day: dropped, and not shown back in the form.
    const ignored = await page("/admin/audit?action=trial.created&from=someday");
    expect(ignored.match(/data-action="trial.created"/g)).toHaveLength(3);
    expect(ignored).toMatch(/<input name="from" type="date" value=""\/>/);
  });
});
