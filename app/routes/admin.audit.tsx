// The audit log: who did what, to which tenant, when, and how it ended. Read only here, and the
// database refuses any change to it.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import type { Prisma } from "../../prisma/generated/client.ts";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { useLocale } from "~/i18n/use-locale";
import { adminTitle } from "~/admin/meta";
import { AuditFilterForm } from "~/components/admin/audit/audit-filter-form";
import { AuditTable } from "~/components/admin/audit/audit-table";
import { auditDayRange, parseAuditFilters } from "~/forms/admin/audit-filters";
import { formValues } from "~/forms/admin/form-values";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.audit") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const filters = parseAuditFilters(formValues(new URL(request.url).searchParams));
  const days = auditDayRange(filters);
  const tenant = filters.tenant
    ? await context.services.prisma.tenant.findFirst({ where: { OR: [{ slug: filters.tenant }, { id: filters.tenant }] }, select: { id: true } })
    : null;
  const where: Prisma.AuditLogWhereInput = {
    ...(filters.actor ? { actorId: { contains: filters.actor } } : {}),
    ...(filters.tenant ? { tenantId: tenant?.id ?? "none" } : {}),
    ...(filters.action ? { action: { contains: filters.action } } : {}),
    ...(days ? { at: days } : {}),
  };
  const entries = await context.services.prisma.auditLog.findMany({ where, orderBy: { id: "desc" }, take: 200 });
  const slugs = new Map(
    (
      await context.services.prisma.tenant.findMany({
        where: { id: { in: [...new Set(entries.map((e) => e.tenantId).filter((id): id is string => id !== null))] } },
        select: { id: true, slug: true },
      })
    ).map((t) => [t.id, t.slug]),
  );
  return {
    filters,
    entries: entries.map((e) => ({ ...e, id: String(e.id), slug: e.tenantId ? (slugs.get(e.tenantId) ?? null) : null })),
  };
}

export default function AuditPage() {
  const { filters, entries } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  return (
    <section>
      <h1>{t("nav.audit")}</h1>
      <AuditFilterForm filters={filters} t={t} />
      <AuditTable entries={entries} t={t} />
    </section>
  );
}
