// First run: who may create the first owner. Each portal process that boots while no admin exists
// prints a one-time setup token in its log and stores only the token's SHA-256, so every process
// sharing the database accepts any of their tokens, and the first owner consumes them all. The
// owner is created under a table lock: parallel requests make exactly one owner.
import { createHash, randomBytes } from "node:crypto";
import type { AdminUser, PrismaClient } from "../../prisma/generated/client.ts";
import { audit, hasAnyAdmin, prepareAdmin } from "../models/admin-auth.server.ts";

function hashSetupToken(token: string): string {
  return createHash("sha256").update(token.trim()).digest("hex");
}

/** A new setup token while no admin exists (null once one does). Print it; it is stored hashed. */
export async function issueSetupToken(prisma: PrismaClient): Promise<string | null> {
  if (await hasAnyAdmin(prisma)) return null;
  const token = randomBytes(24).toString("base64url");
  await prisma.adminSetupToken.create({ data: { tokenHash: hashSetupToken(token) } });
  return token;
}

/** True while no admin exists and `token` is one of the tokens printed by a portal process. */
export async function isSetupTokenValid(prisma: PrismaClient, token: string): Promise<boolean> {
  if (!token) return false;
  return (await prisma.adminSetupToken.count({ where: { tokenHash: hashSetupToken(token) } })) > 0;
}

export type FirstOwnerOutcome = { kind: "created"; admin: AdminUser } | { kind: "closed" } | { kind: "token" };

/**
 * Creates the first owner: refused ("token") without a valid setup token, "closed" once any admin
 * exists. Throws AdminInputError for an invalid email or password.
 */
export async function createFirstOwner(
  prisma: PrismaClient,
  fields: { email: string; password: string; token: string },
  ip: string,
): Promise<FirstOwnerOutcome> {
  if (await hasAnyAdmin(prisma)) return { kind: "closed" };
  if (!(await isSetupTokenValid(prisma, fields.token))) {
    await audit(prisma, null, "admin.setup_refused", "refused", { ip, reason: "setup token missing or wrong" });
    return { kind: "token" };
  }
  // Hash outside the transaction: the lock is held for a few milliseconds, not for bcrypt.
  const data = await prepareAdmin(fields.email, fields.password);
  return prisma.$transaction(async (tx) => {
    // EXCLUSIVE still lets sign-ins read AdminUser, but serialises every first-run attempt.
    await tx.$executeRawUnsafe(`LOCK TABLE "AdminUser" IN EXCLUSIVE MODE`);
    if ((await tx.adminUser.count()) > 0) return { kind: "closed" } as const;
    const { count } = await tx.adminSetupToken.deleteMany({ where: { tokenHash: hashSetupToken(fields.token) } });
    if (count === 0) return { kind: "token" } as const;
    await tx.adminSetupToken.deleteMany({});
    const admin = await tx.adminUser.create({ data: { ...data, role: "owner" } });
    await audit(tx, admin.email, "admin.created", "succeeded", { role: "owner", via: "first-run page", ip });
    return { kind: "created", admin } as const;
  });
}
