// The engine's answer right now and the reconciliation's last run (when, how it ended, its summary).
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { EngineStatusView } from "~/models/admin-engine.server";
import { utcMinute } from "./observed";

export function EngineStatus({ status, t }: { status: EngineStatusView; t: AdminTranslate }) {
  const run = status.lastRun;
  return (
    <div className="card">
      {status.error === null ? (
        <p data-testid="engine-answers">{t("engine.answers")}</p>
      ) : (
        <p className="form-error" data-testid="engine-down">{t("engine.down", { error: status.error })}</p>
      )}
      {run ? (
        <p data-testid="last-reconcile">
          {t("engine.lastRun", { when: utcMinute(run.finishedAt ?? run.startedAt), status: t(`engine.run.${run.status}`) })}
          {run.status === "failed" && run.error ? <span className="form-error"> {run.error}</span> : null}
          {run.summary ? (
            <span className="muted" data-testid="reconcile-summary">
              {" "}
              {run.summary.engine === "reachable" ? t("engine.summary.reachable", run.summary) : t("engine.summary.unreachable", run.summary)}
            </span>
          ) : null}
        </p>
      ) : (
        <p className="muted">{t("engine.neverRun")}</p>
      )}
      {status.nextPeriodAt ? <p className="muted">{t("engine.nextRun", { when: utcMinute(status.nextPeriodAt) })}</p> : null}
    </div>
  );
}
