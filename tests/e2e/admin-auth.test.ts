// Admin accounts over HTTP: the first-run page that needs the setup token from the portal's log,
// makes one owner under parallel requests and disappears once used, the session cookie's flags
// (Secure behind TLS), sign-out, one answer for every refused sign-in, and a console closed to
// strangers, in English and French.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../support/console-fixtures.ts";
import { setupTokenOf, startPortal, type Portal } from "../support/portal.ts";

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal({ TRUST_PROXY: "1" });
});
afterAll(async () => {
  await portal?.stop();
});

let ownerEmail = "";
const PASSWORD = "a long enough password";

const form = (fields: Record<string, string>) => ({
  method: "POST",
  redirect: "manual" as const,
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

describe("admin accounts", () => {
  it("sends strangers to the sign-in page, and to the first-run page while no admin exists", async () => {
    const console_ = await fetch(`${portal.url}/admin/tenants`, { redirect: "manual" });
    expect(console_.status).toBe(302);
    expect(console_.headers.get("location")).toBe("/admin/login?redirectTo=%2Fadmin%2Ftenants");
    const login = await fetch(`${portal.url}/admin/login`, { redirect: "manual" });
    expect(login.headers.get("location")).toBe("/admin/setup");
  });

  it("titles the first-run page in the reader's language and asks for the setup token", async () => {
    const en = await (await fetch(`${portal.url}/admin/setup`)).text();
    expect(en).toContain("<title>Tenantry — Create the first owner account</title>");
    expect(en).toContain('name="setupToken"');
    const fr = await (await fetch(`${portal.url}/admin/setup`, { headers: { "Accept-Language": "fr" } })).text();
    expect(fr).toContain("<title>Tenantry — Créer le premier compte propriétaire</title>");
    expect(fr).toContain("Jeton d&#x27;installation");
  });

  it("refuses the first-run form without the setup token the portal printed, in English and French", async () => {
    const fields = { email: "first@vendor.test", password: "a long enough password", confirm: "a long enough password" };
    const missing = await fetch(`${portal.url}/admin/setup`, form(fields));
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("This setup token is not valid.");
    const wrong = await fetch(`${portal.url}/admin/setup`, {
      ...form({ ...fields, setupToken: "A".repeat(32) }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr" },
    });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain("Ce jeton d&#x27;installation n&#x27;est pas valable.");
    // The page is still there: nothing was created.
    expect((await fetch(`${portal.url}/admin/setup`)).status).toBe(200);
    // The token is printed once, in the portal's log, and is not the one tried.
    expect(setupTokenOf(portal)).not.toBe("A".repeat(32));
  });

  it("creates exactly one owner from parallel requests; the page and its token are gone afterwards", async () => {
    const setupToken = setupTokenOf(portal);
    const short = await fetch(`${portal.url}/admin/setup`, form({ email: "first@vendor.test", password: "short", confirm: "short", setupToken }));
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("at least 12 characters");

    const attempts = await Promise.all(
      ["First@Vendor.test", "second@vendor.test", "third@vendor.test", "fourth@vendor.test", "fifth@vendor.test", "sixth@vendor.test"].map((email) =>
        fetch(`${portal.url}/admin/setup`, form({ email, password: "a long enough password", confirm: "a long enough password", setupToken })),
      ),
    );
    const created = attempts.filter((r) => r.status === 302);
    expect(created).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 404)).toHaveLength(attempts.length - 1);
    expect(created[0]!.headers.get("location")).toBe("/admin");
    const cookie = created[0]!.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^tenantry_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Lax; Max-Age=\d+$/);

    expect((await fetch(`${portal.url}/admin/setup`)).status).toBe(404);
    const again = await fetch(
      `${portal.url}/admin/setup`,
      form({ email: "x@vendor.test", password: "another long password", confirm: "another long password", setupToken }),
    );
    expect(again.status).toBe(404);

    const dashboard = await fetch(`${portal.url}/admin`, { headers: { Cookie: cookie.split(";")[0]! } });
    expect(dashboard.status).toBe(200);
    const owner = /([\w.+-]+@vendor\.test) \(owner\)/.exec(await dashboard.text())?.[1];
    expect(owner).toBeTruthy();
    // Sign-ins below use the one owner that won the race.
    ownerEmail = owner!;
  });

  it("marks the cookie Secure behind a TLS proxy, and signs out", async () => {
    const signedIn = await fetch(`${portal.url}/admin/login`, {
      ...form({ email: ownerEmail, password: PASSWORD }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https" },
    });
    expect(signedIn.status).toBe(302);
    const cookie = signedIn.headers.get("set-cookie")!;
    expect(cookie).toContain("; Secure");
    const session = cookie.split(";")[0]!;

    const page = await (await fetch(`${portal.url}/admin`, { headers: { Cookie: session } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${portal.url}/admin/logout`, { ...form({ csrf }), headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: session } });
    expect(out.status).toBe(302);
    expect(out.headers.get("set-cookie")).toMatch(/^tenantry_admin=; .*Max-Age=0/);
    const after = await fetch(`${portal.url}/admin`, { redirect: "manual", headers: { Cookie: session } });
    expect(after.status).toBe(302);
  });

  it("speaks French to a French browser, including its refusals and the page title", async () => {
    const page = await (await fetch(`${portal.url}/admin/login`, { headers: { "Accept-Language": "fr-FR,fr" } })).text();
    expect(page).toContain("<title>Tenantry — Connexion administrateur</title>");
    expect(page).toContain("Mot de passe");
    const wrong = await fetch(`${portal.url}/admin/login`, {
      ...form({ email: ownerEmail, password: "not the password" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr", "X-Forwarded-For": "192.0.2.50" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("E-mail ou mot de passe incorrect.");
  });

  it("gives one answer for a wrong password, an unknown email and a throttled address", async () => {
    const attempt = async (email: string, password: string, address: string) => {
      const response = await fetch(`${portal.url}/admin/login`, {
        ...form({ email, password }),
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address },
      });
      return `${response.status} ${/role="alert">([^<]*)</.exec(await response.text())?.[1]}`;
    };
    const wrongPassword = await attempt(ownerEmail, "not the password", "192.0.2.60");
    expect(wrongPassword).toMatch(/^401 Wrong email or password\./);
    expect(await attempt("nobody@vendor.test", "not the password", "192.0.2.61")).toBe(wrongPassword);
    for (let i = 0; i < 5; i++) await attempt(ownerEmail, `guess ${i}`, "192.0.2.62");
    // Throttled, the right password gets the same answer; and so does an unknown email there.
    expect(await attempt(ownerEmail, PASSWORD, "192.0.2.62")).toBe(wrongPassword);
    expect(await attempt("nobody@vendor.test", "not the password", "192.0.2.62")).toBe(wrongPassword);
    // Other addresses are not affected.
    expect((await fetch(`${portal.url}/admin/login`, { ...form({ email: ownerEmail, password: PASSWORD }), headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "192.0.2.63" } })).status).toBe(302);
  });

  it("refuses a sign-out without the CSRF token", async () => {
    const session = await signIn(portal.url, { email: ownerEmail, password: PASSWORD });
    const out = await fetch(`${portal.url}/admin/logout`, { ...form({}), headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: session } });
    expect(out.status).toBe(403);
  });
});
