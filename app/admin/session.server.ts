// The admin session cookie and the guards every admin route uses: requireAdmin (redirects to the
// login page), requireRole (403), and assertCsrf for every change.
import { createHash, timingSafeEqual } from "node:crypto";
import { redirect } from "@remix-run/node";
import type { AdminRole } from "../../prisma/generated/client.ts";
import { findSession, ROLE_RANK, type AdminSessionInfo } from "~/models/admin-auth.server";
import type { AppServices } from "~/services.server";

export const SESSION_COOKIE = "tenantry_admin";

export function sessionToken(request: Request): string | undefined {
  const header = request.headers.get("Cookie") ?? "";
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return undefined;
}

/** httpOnly, SameSite=Lax, and Secure when the portal is reached over TLS. */
export function sessionCookie(request: Request, token: string, maxAgeSeconds: number): string {
  const secure = new URL(request.url).protocol === "https:" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export async function requireAdmin(request: Request, services: AppServices): Promise<AdminSessionInfo> {
  const token = sessionToken(request);
  const session = token ? await findSession(services.prisma, token, services.now()) : null;
  if (!session) {
    const url = new URL(request.url);
    throw redirect(`/admin/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return session;
}

export function hasRole(session: AdminSessionInfo, role: AdminRole): boolean {
  return ROLE_RANK[session.admin.role] >= ROLE_RANK[role];
}

export function requireRole(session: AdminSessionInfo, role: AdminRole): void {
  if (!hasRole(session, role)) {
    throw new Response(`This needs the ${role} role; your account is ${session.admin.role}.`, { status: 403 });
  }
}

/**
 * Compares two secrets in constant time: both are hashed to 32 bytes first, so neither the
 * position of the first difference nor a length difference shows in the timing.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected)) && expected.length > 0;
}

/** Every form that changes something carries the session's CSRF token. */
export function assertCsrf(form: FormData, session: AdminSessionInfo): void {
  const given = form.get("csrf");
  if (typeof given !== "string" || !sameSecret(given, session.csrfToken)) {
    throw new Response("The form is out of date or was not sent from this console (CSRF check failed). Reload the page and try again.", {
      status: 403,
    });
  }
}
