// The audit page's filters (who, tenant, action, days), sent as a GET so the address keeps them;
// each input shows back what the loader kept (app/forms/admin/audit-filters.ts).
import { Form } from "@remix-run/react";
import type { AuditFilters } from "~/forms/admin/audit-filters";
import type { AdminTranslate } from "~/i18n/admin-messages";

export function AuditFilterForm({ filters, t }: { filters: AuditFilters; t: AdminTranslate }) {
  return (
    <Form method="get" className="filters">
      <label>
        {t("audit.actor")}
        <br />
        <input name="actor" defaultValue={filters.actor} placeholder={t("list.email")} />
      </label>
      <label>
        {t("audit.tenant")}
        <br />
        <input name="tenant" defaultValue={filters.tenant} placeholder={t("list.slug")} />
      </label>
      <label>
        {t("audit.action")}
        <br />
        <input name="action" defaultValue={filters.action} placeholder={t("audit.actionPlaceholder")} />
      </label>
      <label>
        {t("audit.from")}
        <br />
        <input name="from" type="date" defaultValue={filters.from} />
      </label>
      <label>
        {t("audit.to")}
        <br />
        <input name="to" type="date" defaultValue={filters.to} />
      </label>
      <button type="submit">{t("list.filter")}</button>
    </Form>
  );
}
