// The tenants list's search, state, plan and sort, sent as a GET so the address keeps them; each
// input shows back what the loader read (app/forms/admin/tenant-list-filters.ts).
import { Form } from "@remix-run/react";
import type { AdminTranslate } from "~/i18n/admin-messages";
import { SORTS, TENANT_STATES, type TenantListQuery } from "~/models/tenant-list-query";

export function TenantFilterForm({ query, plans, t }: { query: TenantListQuery; plans: string[]; t: AdminTranslate }) {
  return (
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
  );
}
