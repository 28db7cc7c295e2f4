// The strays: resources with our labels that belong to no tenant, as the last reconciliation saw
// them, each with the command that removes it by hand. Tenantry never removes them itself.
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { StrayView } from "~/models/admin-engine.server";
import { utcMinute } from "./observed";

const REMOVE: Record<string, (name: string) => string> = {
  container: (name) => `docker rm -f ${name}`,
  network: (name) => `docker network rm ${name}`,
  volume: (name) => `docker volume rm ${name}`,
};

export function StraysTable({ strays, t }: { strays: readonly StrayView[]; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>{t("engine.strays")}</h2>
      <p className="hint" data-testid="strays-note">{t("engine.straysNote")}</p>
      {strays.length === 0 ? (
        <p className="muted" data-testid="no-strays">{t("engine.noStrays")}</p>
      ) : (
        <table className="list" data-testid="strays">
          <thead>
            <tr>
              <th>{t("engine.kind")}</th>
              <th>{t("engine.name")}</th>
              <th>{t("engine.project")}</th>
              <th>{t("engine.tenantLabel")}</th>
              <th>{t("engine.firstSeen")}</th>
              <th>{t("engine.lastSeen")}</th>
              <th>{t("engine.removeBy")}</th>
            </tr>
          </thead>
          <tbody>
            {strays.map((s) => (
              <tr key={s.id} data-stray={s.name}>
                <td>{s.kind === "container" || s.kind === "network" || s.kind === "volume" ? t(`engine.kind.${s.kind}`) : s.kind}</td>
                <td>{s.name}</td>
                <td>{s.project ?? "—"}</td>
                <td>{s.tenantLabel ?? "—"}</td>
                <td>{utcMinute(s.firstSeenAt)}</td>
                <td>{utcMinute(s.lastSeenAt)}</td>
                <td>
                  <code>{REMOVE[s.kind]?.(s.name) ?? "—"}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
