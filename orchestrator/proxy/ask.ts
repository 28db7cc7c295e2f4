// Caddy's on-demand TLS asks Tenantry before it requests a certificate for a hostname (issue 14):
// yes only for the hostname of a tenant that exists and is not being destroyed or destroyed, so no
// one can make Caddy ask a certificate authority for arbitrary names. Custom domains come later.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { slugForHostname, type HostPattern } from "./tenant-route.ts";

export type AskDecision = { allowed: true; tenantId: string } | { allowed: false; reason: "outside-pattern" | "no-tenant" | "gone" };

export async function decideCertificateAsk(prisma: PrismaClient, pattern: HostPattern, hostname: string): Promise<AskDecision> {
  const slug = slugForHostname(pattern, hostname);
  if (slug === null) return { allowed: false, reason: "outside-pattern" };
  const tenant = await prisma.tenant.findUnique({ where: { slug }, select: { id: true, desiredState: true, actualState: true } });
  if (!tenant) return { allowed: false, reason: "no-tenant" };
  // Suspended tenants keep their address (their hostname will serve the suspended page).
  if (tenant.desiredState === "destroyed" || tenant.actualState === "destroying" || tenant.actualState === "destroyed") {
    return { allowed: false, reason: "gone" };
  }
  return { allowed: true, tenantId: tenant.id };
}
