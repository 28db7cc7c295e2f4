// The latest operator notifications as a table: when, what (kind and title), severity, and how
// the delivery went (sent, waiting for a retry, failed, with the last error or the note).
import type { SerializeFrom } from "@remix-run/node";
import type { AdminMessageKey, AdminTranslate } from "~/i18n/admin-messages";
import type { NotificationRow } from "~/models/admin-notifications.server";

/** A notification as the loader sends it (dates as ISO text). */
export type NotificationListRow = SerializeFrom<NotificationRow>;

const minute = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

export function NotificationTable({ notifications, t }: { notifications: NotificationListRow[]; t: AdminTranslate }) {
  const label = (key: string, fallback: string) => {
    const text = t(key as AdminMessageKey);
    return text === key ? fallback : text;
  };
  if (notifications.length === 0) return <p className="muted">{t("notifications.none")}</p>;
  return (
    <table className="table" data-testid="notification-table">
      <thead>
        <tr>
          <th>{t("notifications.created")}</th>
          <th>{t("notifications.what")}</th>
          <th>{t("notifications.severity")}</th>
          <th>{t("notifications.delivery")}</th>
        </tr>
      </thead>
      <tbody>
        {notifications.map((n) => (
          <tr key={n.id} data-notification={n.id} data-kind={n.kind} data-status={n.status}>
            <td>{minute(n.createdAt)}</td>
            <td>
              <strong>{label(`notifications.kind.${n.kind}`, n.kind)}</strong>
              <div className="muted">{n.title}</div>
            </td>
            <td>{label(`notifications.severity.${n.severity}`, n.severity)}</td>
            <td>
              {n.status === "sent" && n.sentAt
                ? t("notifications.status.sent", { time: minute(n.sentAt) })
                : t(`notifications.status.${n.status === "sent" ? "sending" : n.status}`)}
              {n.attempts > 1 ? <span className="muted"> ({t("notifications.attempts", { n: n.attempts })})</span> : null}
              {n.lastError ? <div className={n.status === "sent" ? "muted" : "form-error"}>{n.lastError}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
