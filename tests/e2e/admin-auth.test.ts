// Admin accounts over HTTP: the first-run page that disappears once used, the session cookie's
// flags (Secure behind TLS), sign-out, and a console closed to strangers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPortal, type Portal } from "../support/portal.ts";

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal({ TRUST_PROXY: "true" });
});
afterAll(async () => {
  await portal?.stop();
});

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

  it("creates the first owner once; the page is gone afterwards", async () => {
    const short = await fetch(`${portal.url}/admin/setup`, form({ email: "first@vendor.test", password: "short", confirm: "short" }));
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("at least 12 characters");

    const created = await fetch(
      `${portal.url}/admin/setup`,
      form({ email: "First@Vendor.test", password: "a long enough password", confirm: "a long enough password" }),
    );
    expect(created.status).toBe(302);
    expect(created.headers.get("location")).toBe("/admin");
    const cookie = created.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^tenantry_admin=[A-Za-z0-9_-]{43}; Path=\/admin; HttpOnly; SameSite=Lax; Max-Age=\d+$/);

    expect((await fetch(`${portal.url}/admin/setup`)).status).toBe(404);
    const again = await fetch(`${portal.url}/admin/setup`, form({ email: "x@vendor.test", password: "another long password", confirm: "another long password" }));
    expect(again.status).toBe(404);

    const dashboard = await fetch(`${portal.url}/admin`, { headers: { Cookie: cookie.split(";")[0]! } });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain("first@vendor.test (owner)");
  });

  it("marks the cookie Secure behind a TLS proxy, and signs out", async () => {
    const signedIn = await fetch(`${portal.url}/admin/login`, {
      ...form({ email: "first@vendor.test", password: "a long enough password" }),
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

  it("speaks French to a French browser, including its refusals", async () => {
    const page = await (await fetch(`${portal.url}/admin/login`, { headers: { "Accept-Language": "fr-FR,fr" } })).text();
    expect(page).toContain("Connexion administrateur");
    expect(page).toContain("Mot de passe");
    const wrong = await fetch(`${portal.url}/admin/login`, {
      ...form({ email: "first@vendor.test", password: "not the password" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("E-mail ou mot de passe incorrect.");
  });

  it("refuses a sign-out without the CSRF token", async () => {
    const signedIn = await fetch(`${portal.url}/admin/login`, form({ email: "first@vendor.test", password: "a long enough password" }));
    const session = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    const out = await fetch(`${portal.url}/admin/logout`, { ...form({}), headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: session } });
    expect(out.status).toBe(403);
  });
});
