// Admin accounts and their sessions. Passwords are bcrypt hashes; a session is a random token in
// an httpOnly cookie whose SHA-256 alone is stored, with a CSRF token every change must carry.
// Five wrong passwords lock the account for a while, and so do five from one address.
import { createHash, randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import type { AdminRole, AdminUser, PrismaClient } from "../../prisma/generated/client.ts";

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;
export const SESSION_DAYS = 7;
const BCRYPT_COST = 12;

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
  if (password.length > 200) throw new AdminInputError("password.long", "The password is too long (200 characters at most).");
}

export async function createAdmin(prisma: PrismaClient, email: string, password: string, role: AdminRole): Promise<AdminUser> {
  const normalized = email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(normalized)) throw new AdminInputError("email", "Please give a valid email address.");
  validateAdminPassword(password);
  try {
    return await prisma.adminUser.create({
      data: { email: normalized, passwordHash: await bcrypt.hash(password, BCRYPT_COST), role },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw new AdminInputError("exists", `An admin ${normalized} already exists.`);
    throw error;
  }
}

export async function hasAnyAdmin(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.adminUser.count()) > 0;
}

export type LoginOutcome =
  | { kind: "ok"; admin: AdminUser }
  | { kind: "invalid" }
  | { kind: "locked"; until: Date };

/** Checks a login; counts failures per account and per address, in the audit log. */
export async function attemptLogin(
  prisma: PrismaClient,
  email: string,
  password: string,
  ip: string,
  now: Date,
): Promise<LoginOutcome> {
  const normalized = email.trim().toLowerCase();
  const since = new Date(now.getTime() - LOCK_MINUTES * 60_000);
  const failuresFromIp = await prisma.auditLog.count({
    where: { action: "admin.login_failed", at: { gt: since }, details: { path: ["ip"], equals: ip } },
  });
  if (failuresFromIp >= MAX_FAILED_LOGINS) return { kind: "locked", until: new Date(now.getTime() + LOCK_MINUTES * 60_000) };

  const admin = await prisma.adminUser.findUnique({ where: { email: normalized } });
  if (admin?.lockedUntil && admin.lockedUntil > now) return { kind: "locked", until: admin.lockedUntil };

  // Compare against a dummy hash when the account does not exist, so timing does not tell.
  const ok = await bcrypt.compare(password, admin?.passwordHash ?? "$2b$12$T4P0B/x.B6lPpKIcv/9j.eI..dtokfwV1EUjH7MNTkuUJWifjY8gi");
  if (admin && ok) {
    await prisma.adminUser.update({ where: { id: admin.id }, data: { failedLogins: 0, lockedUntil: null } });
    await audit(prisma, admin.email, "admin.login", "succeeded", { ip });
    return { kind: "ok", admin };
  }
  await audit(prisma, normalized.slice(0, 254), "admin.login_failed", "failed", { ip });
  if (admin) {
    const failed = admin.failedLogins + 1;
    const lock = failed >= MAX_FAILED_LOGINS;
    await prisma.adminUser.update({
      where: { id: admin.id },
      data: { failedLogins: lock ? 0 : failed, lockedUntil: lock ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null },
    });
    // This answer stays "wrong password"; from the next attempt on, the account is locked.
    if (lock) await audit(prisma, admin.email, "admin.locked", "succeeded", { ip, minutes: LOCK_MINUTES });
  }
  return { kind: "invalid" };
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
  prisma: PrismaClient,
  actorId: string | null,
  action: string,
  outcome: string,
  details: Record<string, string | number | boolean | null>,
  tenantId?: string,
) {
  await prisma.auditLog.create({ data: { actorType: "admin", actorId, action, outcome, details, tenantId: tenantId ?? null } });
}
