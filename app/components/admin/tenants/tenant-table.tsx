// One page of tenants: company (a link to the tenant's page), slug, email, state, plan, the app
// image it runs (issue 13) and when it was created; and the links to the previous and next pages, keeping the filters.
import { Link, useSearchParams } from "@remix-run/react";
import type { SerializeFrom } from "@remix-run/node";
import type { AdminTranslate } from "~/i18n/admin-messages";
import { upgradeTranslator } from "~/i18n/upgrades";
import { useLocale } from "~/i18n/use-locale";
import type { listTenants } from "~/models/admin-tenants.server";

export type TenantRow = SerializeFrom<Awaited<ReturnType<typeof listTenants>>["tenants"][number]>;

export function TenantTable({ tenants, t }: { tenants: TenantRow[]; t: AdminTranslate }) {
  const tu = upgradeTranslator(useLocale());
  return (
    <table className="list">
      <thead>
        <tr>
          <th>{t("list.company")}</th>
          <th>{t("list.slug")}</th>
          <th>{t("list.email")}</th>
          <th>{t("list.state")}</th>
          <th>{t("list.plan")}</th>
          <th>{tu("upgrades.version.image")}</th>
          <th>{t("list.created")}</th>
        </tr>
      </thead>
      <tbody>
        {tenants.map((tenant) => (
          <tr key={tenant.id}>
            <td>
              <Link to={`/admin/tenants/${tenant.id}`}>{tenant.customer.company}</Link>
            </td>
            <td>{tenant.slug}</td>
            <td>{tenant.customer.email}</td>
            <td>
              <span className={`badge ${tenant.actualState}`}>{tenant.actualState}</span>
            </td>
            <td>{tenant.subscription ? `${tenant.subscription.plan} (${tenant.subscription.status})` : "—"}</td>
            <td data-testid="tenant-image">{tenant.appImage ?? "—"}</td>
            <td>{new Date(tenant.createdAt).toISOString().slice(0, 16).replace("T", " ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TenantPager({ page, pages, t }: { page: number; pages: number; t: AdminTranslate }) {
  const [params] = useSearchParams();
  const pageLink = (to: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(to));
    return `?${next.toString()}`;
  };
  return (
    <p>
      {page > 1 ? <Link to={pageLink(page - 1)}>{t("list.previous")}</Link> : null}{" "}
      {page < pages ? <Link to={pageLink(page + 1)}>{t("list.next")}</Link> : null}
    </p>
  );
}
