// The audit page's filters, read from the query string: who, which tenant (slug or id), which
// action, and a day range (UTC). A filter that does not parse is dropped rather than refused: a
// list page always shows something; the form shows back what was kept.
import { z } from "zod";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z
  .string()
  .regex(DAY)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
  .catch("");

export const auditFiltersSchema = z.object({
  actor: z.string().trim().catch("").transform((v) => v.slice(0, 254)),
  tenant: z.string().trim().catch("").transform((v) => v.slice(0, 100)),
  action: z.string().trim().catch("").transform((v) => v.slice(0, 100)),
  from: day,
  to: day,
});

export type AuditFilters = z.output<typeof auditFiltersSchema>;

export function parseAuditFilters(values: Record<string, string>): AuditFilters {
  return auditFiltersSchema.parse(values);
}

/** The filter's days as the instants they start and end (UTC), for the query. */
export function auditDayRange(filters: AuditFilters): { gte?: Date; lte?: Date } | undefined {
  const from = filters.from ? new Date(`${filters.from}T00:00:00Z`) : undefined;
  const to = filters.to ? new Date(`${filters.to}T23:59:59.999Z`) : undefined;
  return from || to ? { gte: from, lte: to } : undefined;
}
