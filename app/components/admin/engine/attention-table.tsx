// Tenants the reconciler did not see running although they exist (missing, stopped, engine
// unreachable) and those it flagged for an operator, each linked to its page.
import { Link } from "@remix-run/react";
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { AttentionView } from "~/models/admin-engine.server";
import { attentionSentence, ObservedBadge, utcMinute } from "./observed";

export function AttentionTable({ tenants, t }: { tenants: readonly AttentionView[]; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>{t("engine.attention")}</h2>
      {tenants.length === 0 ? (
        <p className="muted">{t("engine.noAttention")}</p>
      ) : (
        <table className="list" data-testid="attention">
          <thead>
            <tr>
              <th>{t("engine.tenant")}</th>
              <th>{t("list.state")}</th>
              <th>{t("engine.observed")}</th>
              <th>{t("engine.observedAt")}</th>
              <th>{t("engine.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {tenants.map((tenant) => (
              <tr key={tenant.id} data-tenant={tenant.slug}>
                <td>
                  <Link to={`/admin/tenants/${tenant.id}`}>{tenant.slug}</Link>
                </td>
                <td>{tenant.actualState}</td>
                <td>
                  <ObservedBadge state={tenant.observedState} t={t} />
                </td>
                <td>{utcMinute(tenant.observedAt)}</td>
                <td>{tenant.attentionReason ? attentionSentence(tenant.attentionReason, t) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
