// The tenants list's query (search, filters, sort, page), read from the URL. Shared by the loader
// and the page, so it lives outside the server-only model.
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

export function parseTenantListQuery(params: URLSearchParams): TenantListQuery {
  const state = params.get("state") ?? "";
  const sort = params.get("sort") ?? "newest";
  return {
    search: (params.get("q") ?? "").trim().slice(0, 200),
    state: (TENANT_STATES as string[]).includes(state) ? (state as TenantActualState) : "",
    plan: (params.get("plan") ?? "").trim().slice(0, 50),
    sort: sort in SORTS ? (sort as TenantSort) : "newest",
    page: Math.max(1, Math.min(100_000, Number.parseInt(params.get("page") ?? "1", 10) || 1)),
  };
}

