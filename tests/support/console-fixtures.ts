// What a test of the admin console needs before it tests anything, done one way everywhere:
// a migrated PostgreSQL database the portal and the test share, admin accounts (created directly
// in the database, or as the first owner through the first-run page with the token the portal
// printed), a signed-in session, over HTTP or in Chromium, and a console page's CSRF token for the
// forms a test posts as that session.
// Tests whose subject is the first-run page or the sign-in itself (tests/e2e/admin-auth.test.ts,
// the throttling cases) post those forms themselves; everything else comes through here.
import type { Browser, Page } from "playwright-core";
import { createAdmin } from "../../app/models/admin-auth.server.ts";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { setupTokenOf, type Portal } from "./portal.ts";
import { createPostgresDatabase } from "./test-database.ts";

export interface AdminAccount {
  email: string;
  password: string;
}

export type AdminRole = Parameters<typeof createAdmin>[3];

export interface SharedDatabase {
  /** postgres:// URL to pass to the portal as DATABASE_URL. */
  url: string;
  db: Database;
  /** Closes the connection and drops the database. */
  dispose(): Promise<void>;
}

/** A new PostgreSQL database, migrated, opened for the test; the portal is given its `url`. */
export async function createSharedDatabase(): Promise<SharedDatabase> {
  const database = await createPostgresDatabase();
  const db = await openDatabase({ databaseUrl: database.url, embeddedDir: "unused", poolSize: 2 });
  try {
    await db.migrate();
  } catch (error) {
    await db.close();
    await database.drop();
    throw error;
  }
  return {
    url: database.url,
    db,
    async dispose() {
      await db.close();
      await database.drop();
    },
  };
}

/** Adds admins straight into the database, as `npm run admin:create` would. */
export async function addAdmins(db: Pick<Database, "prisma">, accounts: (AdminAccount & { role: AdminRole })[]): Promise<void> {
  for (const account of accounts) await createAdmin(db.prisma, account.email, account.password, account.role);
}

/** Posts a form as a browser without JavaScript would; `headers` may add X-Forwarded-For, Cookie… */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/**
 * Creates the first owner of a fresh portal through /admin/setup, with the one-time token the
 * portal printed; returns the new owner's session cookie (name=value).
 */
export async function createFirstOwner(portal: Portal, owner: AdminAccount, headers: Record<string, string> = {}): Promise<string> {
  const response = await postForm(
    `${portal.url}/admin/setup`,
    { ...owner, confirm: owner.password, setupToken: setupTokenOf(portal) },
    headers,
  );
  if (response.status !== 302) {
    throw new Error(`the first-run page answered ${response.status} instead of 302: ${(await response.text()).slice(0, 500)}`);
  }
  return sessionCookieOf(response);
}

/** Signs in over HTTP; returns the session cookie (name=value) to send as `Cookie`. */
export async function signIn(portalUrl: string, account: AdminAccount, headers: Record<string, string> = {}): Promise<string> {
  const response = await postForm(`${portalUrl}/admin/login`, { email: account.email, password: account.password }, headers);
  if (response.status !== 302) {
    throw new Error(`signing in as ${account.email} answered ${response.status} instead of 302 (wrong password, or a throttled address?)`);
  }
  return sessionCookieOf(response);
}

/** Signs in in Chromium as a person would (English console); returns the page, on the dashboard. */
export async function signInInBrowser(browser: Browser, portalUrl: string, account: AdminAccount): Promise<Page> {
  const page = await (await browser.newContext({ locale: "en-US" })).newPage();
  await page.goto(`${portalUrl}/admin`);
  await page.waitForURL(/\/admin\/login/);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  return page;
}

/** The CSRF token of the console page at `pagePath` (e.g. /admin/tenants/<id>), read as the session in `headers` (Cookie…). */
export async function consoleCsrf(portalUrl: string, pagePath: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${portalUrl}${pagePath}`, { headers });
  const html = await response.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`${pagePath} answered ${response.status} with no CSRF field (not signed in, or a page without a form?): ${html.slice(0, 300)}`);
  return csrf;
}

function sessionCookieOf(response: Response): string {
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error(`the portal answered ${response.status} without a session cookie`);
  return cookie;
}
