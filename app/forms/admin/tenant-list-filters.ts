// The tenants list's query string: search (company, email or slug), state, plan, sort and page. A
// value that does not parse falls back to its default rather than being refused (a list page always
// shows something). The query's type and the orderings are the model's (app/models/tenant-list-query.ts).
import { z } from "zod";
import { SORTS, TENANT_STATES, type TenantListQuery, type TenantSort } from "~/models/tenant-list-query";

const MAX_PAGE = 100_000;
const sorts = Object.keys(SORTS) as [TenantSort, ...TenantSort[]];

export const tenantListFiltersSchema = z.object({
  q: z.string().trim().catch("").transform((v) => v.slice(0, 200)),
  state: z.enum(TENANT_STATES as [TenantListQuery["state"], ...TenantListQuery["state"][]]).or(z.literal("")).catch(""),
  plan: z.string().trim().catch("").transform((v) => v.slice(0, 50)),
  sort: z.enum(sorts).catch("newest"),
  page: z.coerce.number().int().catch(1).transform((page) => Math.max(1, Math.min(MAX_PAGE, page || 1))),
});

export function parseTenantListFilters(values: Record<string, string>): TenantListQuery {
  const { q, ...rest } = tenantListFiltersSchema.parse(values);
  return { search: q, ...rest };
}
