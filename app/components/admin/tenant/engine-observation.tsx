// What the reconciler saw of this tenant on the engine (running, stopped, missing, unreachable),
// when, the repairs that failed since it was last seen running, and, once it gave up repairing,
// why an operator must look.
import type { AdminTranslate } from "~/i18n/admin-messages";
import { attentionSentence, ObservedBadge, utcMinute } from "../engine/observed";
import type { TenantView } from "./types";

export function EngineObservation({ tenant, t }: { tenant: TenantView; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="engine-observation">
      <h2>
        {t("observation.title")}{" "}
        {tenant.attentionReason ? <span className="badge failed" data-testid="attention-badge">{t("observation.attention")}</span> : null}
      </h2>
      {tenant.attentionReason ? (
        <p className="form-error" role="alert" data-testid="attention-reason">{attentionSentence(tenant.attentionReason, t)}</p>
      ) : null}
      <dl className="facts">
        <dt>{t("observation.state")}</dt>
        <dd>
          <ObservedBadge state={tenant.observedState} t={t} />
        </dd>
        <dt>{t("observation.at")}</dt>
        <dd>{tenant.observedAt ? `${utcMinute(tenant.observedAt)} UTC` : "—"}</dd>
        <dt>{t("observation.repairFailures")}</dt>
        <dd data-testid="repair-failures">{tenant.repairFailures}</dd>
      </dl>
    </div>
  );
}
