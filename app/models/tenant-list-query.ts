// The tenants list's query (search, filters, sort, page) and its orderings. Shared by the loader,
// the page and the form's schema (app/forms/admin/tenant-list-filters.ts, which reads it from the
// URL), so it lives outside the server-only model.
import type { Prisma, TenantActualState } from "../../prisma/generated/client.ts";

export const PAGE_SIZE = 50;
export const TENANT_STATES: TenantActualState[] = ["pending", "provisioning", "active", "suspended", "failed", "destroying", "destroyed"];
export const SORTS = {
  newest: { createdAt: "desc" },
  oldest: { createdAt: "asc" },
  company: { customer: { company: "asc" } },
  slug: { slug: "asc" },
} satisfies Record<string, Prisma.TenantOrderByWithRelationInput>;
export type TenantSort = keyof typeof SORTS;

export interface TenantListQuery {
  search: string;
  state: TenantActualState | "";
  plan: string;
  sort: TenantSort;
  page: number;
}
