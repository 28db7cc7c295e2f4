// Admin accounts and their sessions. Passwords are bcrypt hashes, computed and checked in a worker
// pool off the event loop; a session is a random token in an httpOnly cookie whose SHA-256 alone is
// stored, with a CSRF token every change must carry. Sign-in attempts are counted per address and
// per (email, address) before any password is checked (app/admin/login-throttle.server.ts), and
// every refusal gives the same answer, so the page does not tell which emails are admins.
import { createHash, randomBytes } from "node:crypto";
import type { AdminRole, AdminUser, PrismaClient } from "../../prisma/generated/client.ts";
import { clearLoginThrottle, forgiveLoginAttempt, recordLoginAttempt, THROTTLE_LIMIT, THROTTLE_WINDOW_MINUTES } from "../admin/login-throttle.server.ts";
import { HasherBusyError, hashPassword, verifyPassword } from "../admin/password-hasher.server.ts";
import { writeAudit, type AuditAction, type AuditDetails, type AuditOutcome, type DatabaseWriter } from "../../orchestrator/index.ts";

export const MAX_FAILED_LOGINS = THROTTLE_LIMIT;
export const LOCK_MINUTES = THROTTLE_WINDOW_MINUTES;
export const SESSION_DAYS = 7;
const BCRYPT_COST = 12;
const MAX_PASSWORD_LENGTH = 200;
/** Checked when the account does not exist, so that timing does not tell. */
const DUMMY_HASH = "$2b$12$T4P0B/x.B6lPpKIcv/9j.eI..dtokfwV1EUjH7MNTkuUJWifjY8gi";

export const ROLE_RANK: Record<AdminRole, number> = { viewer: 0, operator: 1, owner: 2 };

/** A refused account: `code` names the problem for the console's translations. */
export class AdminInputError extends Error {
  override name = "AdminInputError";
  constructor(
    readonly code: "password.short" | "password.long" | "email" | "exists",
    message: string,
  ) {
    super(message);
  }
}

export function validateAdminPassword(password: string): void {
  if (password.length < 12) throw new AdminInputError("password.short", "The password needs at least 12 characters.");
  if (password.length > MAX_PASSWORD_LENGTH) throw new AdminInputError("password.long", "The password is too long (200 characters at most).");
}

export function normalizeAdminEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Validates a new account's email and password and hashes the password (off the event loop). */
export async function prepareAdmin(email: string, password: string): Promise<{ email: string; passwordHash: string }> {
  const normalized = normalizeAdminEmail(email);
  if (!/^[^@\s]+@[^@\s]+$/.test(normalized) || normalized.length > 254) throw new AdminInputError("email", "Please give a valid email address.");
  validateAdminPassword(password);
  return { email: normalized, passwordHash: await hashPassword(password, BCRYPT_COST) };
}

export async function createAdmin(prisma: PrismaClient, email: string, password: string, role: AdminRole): Promise<AdminUser> {
  const data = await prepareAdmin(email, password);
  try {
    return await prisma.adminUser.create({ data: { ...data, role } });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new AdminInputError("exists", `An admin ${data.email} already exists.`);
    throw error;
  }
}

export async function hasAnyAdmin(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.adminUser.count()) > 0;
}

/**
 * "refused" is the one answer for a wrong password, an unknown email and a throttled attempt;
 * "busy" when too many password checks already wait for the worker pool.
 */
export type LoginOutcome = { kind: "ok"; admin: AdminUser } | { kind: "refused" } | { kind: "busy" };

/**
 * Checks a login. The attempt is recorded first, atomically; over the limit the password is not
 * checked. Audit: `admin.login_failed` for each password checked and wrong, `admin.login_throttled`
 * once per key and window when the limit is reached, `admin.login` for a success.
 */
export async function attemptLogin(
  prisma: PrismaClient,
  email: string,
  password: string,
  ip: string,
  now: Date,
): Promise<LoginOutcome> {
  const normalized = normalizeAdminEmail(email).slice(0, 254);
  const verdict = await recordLoginAttempt(prisma, normalized, ip, now);
  if (!verdict.allowed) {
    if (verdict.firstRefusal) {
      await audit(prisma, normalized, "admin.login_throttled", "refused", { ip, by: verdict.refusedBy ?? null, minutes: THROTTLE_WINDOW_MINUTES });
    }
    return { kind: "refused" };
  }
  // No valid password is longer: refuse without spending a hash on it.
  if (password.length > MAX_PASSWORD_LENGTH) {
    await audit(prisma, normalized, "admin.login_failed", "failed", { ip, checked: false });
    return { kind: "refused" };
  }
  const admin = await prisma.adminUser.findUnique({ where: { email: normalized } });
  let ok: boolean;
  try {
    ok = await verifyPassword(password, admin?.passwordHash ?? DUMMY_HASH);
  } catch (error) {
    if (error instanceof HasherBusyError) return { kind: "busy" };
    throw error;
  }
  if (admin && ok) {
    await forgiveLoginAttempt(prisma, normalized, ip);
    await audit(prisma, admin.email, "admin.login", "succeeded", { ip });
    return { kind: "ok", admin };
  }
  await audit(prisma, normalized, "admin.login_failed", "failed", { ip, checked: true });
  return { kind: "refused" };
}

/** Lifts the sign-in throttle on an email (see clearLoginThrottle); audited. Returns the addresses. */
export async function unlockAdmin(prisma: PrismaClient, email: string, via: string): Promise<string[]> {
  const account = normalizeAdminEmail(email);
  const addresses = await clearLoginThrottle(prisma, account);
  await audit(prisma, null, "admin.unlocked", "succeeded", { email: account, via, addresses: addresses.join(", ") });
  return addresses;
}

export interface AdminSessionInfo {
  sessionId: string;
  csrfToken: string;
  admin: Pick<AdminUser, "id" | "email" | "role">;
}

export async function createSession(prisma: PrismaClient, adminId: string, ip: string, userAgent: string, now: Date) {
  const token = randomBytes(32).toString("base64url");
  await prisma.adminSession.create({
    data: {
      adminUserId: adminId,
      tokenHash: hashToken(token),
      csrfToken: randomBytes(32).toString("base64url"),
      expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
      ip,
      userAgent: userAgent.slice(0, 512),
    },
  });
  return token;
}

export async function findSession(prisma: PrismaClient, token: string, now: Date): Promise<AdminSessionInfo | null> {
  const session = await prisma.adminSession.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { adminUser: { select: { id: true, email: true, role: true } } },
  });
  if (!session || session.expiresAt <= now) return null;
  return { sessionId: session.id, csrfToken: session.csrfToken, admin: session.adminUser };
}

export async function endSession(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.adminSession.deleteMany({ where: { tokenHash: hashToken(token) } });
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** An audit entry in an admin's name (their email, which is what the audit page shows). */
export async function audit(
  db: DatabaseWriter,
  actorId: string | null,
  action: AuditAction,
  outcome: AuditOutcome,
  details: AuditDetails,
  tenantId?: string,
) {
  await writeAudit(db, { actorType: "admin", actorId, action, outcome, details, tenantId: tenantId ?? null });
}
