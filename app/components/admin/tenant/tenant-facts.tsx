// The tenant's customer (who signed up) and subscription (plan, trial end, slug, port, address) cards.
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { TenantView } from "./types";

export function TenantFacts({ tenant, t }: { tenant: TenantView; t: AdminTranslate }) {
  return (
    <div className="grid2">
      <div className="card">
        <h2>{t("tenant.customer")}</h2>
        <dl className="facts">
          <dt>{t("tenant.name")}</dt>
          <dd>{tenant.customer.firstName} {tenant.customer.lastName}</dd>
          <dt>{t("list.email")}</dt>
          <dd>{tenant.customer.email}</dd>
          <dt>{t("tenant.phone")}</dt>
          <dd>{tenant.customer.phone}</dd>
          <dt>{t("tenant.language")}</dt>
          <dd>{tenant.customer.locale}</dd>
        </dl>
      </div>
      <div className="card">
        <h2>{t("tenant.subscription")}</h2>
        <dl className="facts">
          <dt>{t("list.plan")}</dt>
          <dd data-testid="plan">{tenant.subscription?.plan ?? "—"}</dd>
          <dt>{t("tenant.status")}</dt>
          <dd>{tenant.subscription?.status ?? "—"}</dd>
          <dt>{t("tenant.trialEnds")}</dt>
          <dd data-testid="trial-ends">{tenant.subscription?.trialEndsAt?.slice(0, 10) ?? "—"}</dd>
          <dt>{t("list.slug")}</dt>
          <dd data-testid="slug">{tenant.slug}</dd>
          <dt>{t("tenant.port")}</dt>
          <dd>{tenant.portLeases.map((l) => l.port).join(", ") || "—"}</dd>
          <dt>{t("tenant.address")}</dt>
          <dd data-testid="tenant-address">{tenant.address ? <a href={tenant.address} rel="noreferrer" target="_blank">{tenant.address}</a> : "—"}</dd>
        </dl>
      </div>
    </div>
  );
}
