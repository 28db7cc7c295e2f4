// The tenant's audit trail, newest first: when, who, what, how it ended.
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { AuditEntryView } from "./types";

export function AuditTrail({ entries, t }: { entries: AuditEntryView[]; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>{t("tenant.audit")}</h2>
      <table className="list">
        <tbody>
          {entries.map((a) => (
            <tr key={a.id}>
              <td>{a.at.slice(0, 19).replace("T", " ")}</td>
              <td>{a.actorId ?? a.actorType}</td>
              <td>{a.action}</td>
              <td>{a.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
