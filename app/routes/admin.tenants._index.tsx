// Every tenant: search by company, email or slug; filter by state and plan; sort; one page of 50.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { listTenants } from "~/models/admin-tenants.server";
import { useLocale } from "~/i18n/use-locale";
import { formValues } from "~/forms/admin/form-values";
import { parseTenantListFilters } from "~/forms/admin/tenant-list-filters";
import { adminTitle } from "~/admin/meta";
import { TenantFilterForm } from "~/components/admin/tenants/tenant-filter-form";
import { TenantPager, TenantTable } from "~/components/admin/tenants/tenant-table";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.tenants") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const query = parseTenantListFilters(formValues(new URL(request.url).searchParams));
  return { query, ...(await listTenants(context.services.prisma, query)) };
}

export default function TenantList() {
  const { query, total, tenants, plans, pages } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  return (
    <section>
      <h1>{t("nav.tenants")}</h1>
      <TenantFilterForm query={query} plans={plans} t={t} />
      <p className="muted" data-testid="total">
        {t("list.total", { total, page: query.page, pages })}
      </p>
      <TenantTable tenants={tenants} t={t} />
      <TenantPager page={query.page} pages={pages} t={t} />
    </section>
  );
}
