// Every tenant: search by company, email or slug; filter by state and plan; sort; one page of 50.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { listTenants } from "~/models/admin-tenants.server";
import { useLocale } from "~/i18n/use-locale";
import { formValues } from "~/forms/admin/form-values";
import { parseTenantListFilters } from "~/forms/admin/tenant-list-filters";
import { adminTitle } from "~/admin/meta";
import { TenantFilterForm } from "~/components/admin/tenants/tenant-filter-form";
import { TenantPager, TenantTable } from "~/components/admin/tenants/tenant-table";
import { upgradeTranslator } from "~/i18n/upgrades";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.tenants") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const query = parseTenantListFilters(formValues(new URL(request.url).searchParams));
  return { query, ...(await listTenants(context.services.prisma, query)) };
}

export default function TenantList() {
  const { query, total, tenants, plans, pages } = useLoaderData<typeof loader>();
  const locale = useLocale();
  const t = adminTranslator(locale);
  return (
    <section>
      <h1>{t("nav.tenants")}</h1>
      <p>
        <Link to="/admin/upgrades" data-testid="upgrades-link">
          {upgradeTranslator(locale)("upgrades.page.link")}
        </Link>
      </p>
      <TenantFilterForm query={query} plans={plans} t={t} />
      <p className="muted" data-testid="total">
        {t("list.total", { total, page: query.page, pages })}
      </p>
      <TenantTable tenants={tenants} t={t} />
      <TenantPager page={query.page} pages={pages} t={t} />
    </section>
  );
}
