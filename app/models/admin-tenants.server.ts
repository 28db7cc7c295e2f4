// What the admin console reads about tenants: the searchable list and one tenant's page.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { tenantAddress } from "./tenant-address.server";
import { PAGE_SIZE, SORTS, type TenantListQuery } from "./tenant-list-query";

export async function listTenants(prisma: PrismaClient, query: TenantListQuery) {
  const where: Prisma.TenantWhereInput = {
    ...(query.state ? { actualState: query.state } : {}),
    ...(query.plan ? { subscription: { plan: query.plan } } : {}),
    ...(query.search
      ? {
          OR: [
            { slug: { contains: query.search.toLowerCase() } },
            { customer: { company: { contains: query.search, mode: "insensitive" } } },
            { customer: { email: { contains: query.search.toLowerCase() } } },
          ],
        }
      : {}),
  };
  const [total, tenants, plans] = await Promise.all([
    prisma.tenant.count({ where }),
    prisma.tenant.findMany({
      where,
      orderBy: [SORTS[query.sort], { id: "asc" }],
      skip: (query.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      select: {
        id: true,
        slug: true,
        actualState: true,
        appImage: true,
        createdAt: true,
        customer: { select: { company: true, email: true } },
        subscription: { select: { plan: true, status: true, trialEndsAt: true } },
      },
    }),
    prisma.subscription.groupBy({ by: ["plan"], orderBy: { plan: "asc" } }),
  ]);
  return { total, tenants, plans: plans.map((p) => p.plan), pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

/** `tenantUrl`: TENANT_URL's template, for the tenant's address (null when it has none). */
export async function tenantDetail(prisma: PrismaClient, id: string, tenantUrl: string) {
  const tenant = await prisma.tenant.findUnique({
    where: { id },
    include: {
      customer: true,
      subscription: true,
      portLeases: { orderBy: { createdAt: "asc" } },
      jobs: { orderBy: { createdAt: "desc" }, take: 10, include: { steps: { orderBy: { position: "asc" } } } },
    },
  });
  return tenant && { ...tenant, address: tenantAddress(tenantUrl, tenant) };
}

export async function tenantAudit(prisma: PrismaClient, tenantId: string) {
  return prisma.auditLog.findMany({ where: { tenantId }, orderBy: { id: "desc" }, take: 100 });
}
