// Every tenant: search by company, email or slug; filter by state and plan; sort; one page of 50.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { listTenants } from "~/models/admin-tenants.server";
import { useLocale } from "~/i18n/use-locale";
import { SORTS, TENANT_STATES } from "~/models/tenant-list-query";
import { formValues } from "~/forms/admin/form-values";
import { parseTenantListFilters } from "~/forms/admin/tenant-list-filters";
import { adminTitle } from "~/admin/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.tenants") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const query = parseTenantListFilters(formValues(new URL(request.url).searchParams));
  return { query, ...(await listTenants(context.services.prisma, query)) };
}

export default function TenantList() {
  const { query, total, tenants, plans, pages } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = adminTranslator(useLocale());
  const pageLink = (page: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(page));
    return `?${next.toString()}`;
  };
  return (
    <section>
      <h1>{t("nav.tenants")}</h1>
      <Form method="get" className="filters">
        <label>
          {t("list.search")}
          <br />
          <input type="search" name="q" defaultValue={query.search} placeholder={t("list.searchPlaceholder")} aria-label={t("list.search")} />
        </label>
        <label>
          {t("list.state")}
          <br />
          <select name="state" defaultValue={query.state}>
            <option value="">{t("list.any")}</option>
            {TENANT_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          {t("list.plan")}
          <br />
          <select name="plan" defaultValue={query.plan}>
            <option value="">{t("list.any")}</option>
            {plans.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          {t("list.sort")}
          <br />
          <select name="sort" defaultValue={query.sort}>
            {Object.keys(SORTS).map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit">{t("list.filter")}</button>
      </Form>
      <p className="muted" data-testid="total">
        {t("list.total", { total, page: query.page, pages })}
      </p>
      <table className="list">
        <thead>
          <tr>
            <th>{t("list.company")}</th>
            <th>{t("list.slug")}</th>
            <th>{t("list.email")}</th>
            <th>{t("list.state")}</th>
            <th>{t("list.plan")}</th>
            <th>{t("list.created")}</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => (
            <tr key={t.id}>
              <td>
                <Link to={`/admin/tenants/${t.id}`}>{t.customer.company}</Link>
              </td>
              <td>{t.slug}</td>
              <td>{t.customer.email}</td>
              <td>
                <span className={`badge ${t.actualState}`}>{t.actualState}</span>
              </td>
              <td>{t.subscription ? `${t.subscription.plan} (${t.subscription.status})` : "—"}</td>
              <td>{new Date(t.createdAt).toISOString().slice(0, 16).replace("T", " ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {query.page > 1 ? <Link to={pageLink(query.page - 1)}>{t("list.previous")}</Link> : null}{" "}
        {query.page < pages ? <Link to={pageLink(query.page + 1)}>{t("list.next")}</Link> : null}
      </p>
    </section>
  );
}
