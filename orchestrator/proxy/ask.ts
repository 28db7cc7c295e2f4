// Caddy's on-demand TLS asks Tenantry before it requests a certificate for a hostname (issue 14):
// yes only for the hostname of a tenant that exists and is not being destroyed or destroyed, so no
// one can make Caddy ask a certificate authority for arbitrary names; and for an active custom domain
// (custom-domains.ts) of such a tenant, never for a pending one.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { slugForHostname, type HostPattern } from "./tenant-route.ts";

export type AskDecision = { allowed: true; tenantId: string } | { allowed: false; reason: "outside-pattern" | "no-tenant" | "gone" };

export async function decideCertificateAsk(prisma: PrismaClient, pattern: HostPattern, hostname: string): Promise<AskDecision> {
  const slug = slugForHostname(pattern, hostname);
  const tenant =
    slug !== null
      ? await prisma.tenant.findUnique({ where: { slug }, select: { id: true, desiredState: true, actualState: true } })
      : await customDomainTenant(prisma, hostname);
  if (slug === null && tenant === undefined) return { allowed: false, reason: "outside-pattern" };
  if (!tenant) return { allowed: false, reason: "no-tenant" };
  // Suspended tenants keep their address (their hostname will serve the suspended page).
  if (tenant.desiredState === "destroyed" || tenant.actualState === "destroying" || tenant.actualState === "destroyed") {
    return { allowed: false, reason: "gone" };
  }
  return { allowed: true, tenantId: tenant.id };
}

/** The tenant whose active custom domain this is; undefined when it is no active custom domain. */
async function customDomainTenant(prisma: PrismaClient, hostname: string) {
  const domain = await prisma.customDomain.findUnique({
    where: { hostname: hostname.toLowerCase().replace(/\.$/, "") },
    select: { status: true, tenant: { select: { id: true, desiredState: true, actualState: true } } },
  });
  return domain?.status === "active" ? domain.tenant : undefined;
}
