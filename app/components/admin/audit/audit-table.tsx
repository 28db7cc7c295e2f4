// The audit entries, newest first: when (UTC), who, what, which tenant (a link to its page), how it
// ended, and the entry's details.
import { Link } from "@remix-run/react";
import type { AdminTranslate } from "~/i18n/admin-messages";

export interface AuditRow {
  id: string;
  at: string;
  actorId: string | null;
  actorType: string;
  action: string;
  tenantId: string | null;
  slug: string | null;
  outcome: string;
  details: unknown;
}

export function AuditTable({ entries, t }: { entries: AuditRow[]; t: AdminTranslate }) {
  return (
    <table className="list" data-testid="audit">
      <thead>
        <tr>
          <th>{t("audit.when")}</th>
          <th>{t("audit.who")}</th>
          <th>{t("audit.action")}</th>
          <th>{t("audit.tenant")}</th>
          <th>{t("audit.outcome")}</th>
          <th>{t("audit.details")}</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id} data-action={e.action}>
            <td>{e.at.slice(0, 19).replace("T", " ")}</td>
            <td>{e.actorId ?? e.actorType}</td>
            <td>{e.action}</td>
            <td>{e.slug && e.tenantId ? <Link to={`/admin/tenants/${e.tenantId}`}>{e.slug}</Link> : "—"}</td>
            <td>{e.outcome}</td>
            <td className="muted">{e.details ? JSON.stringify(e.details) : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
