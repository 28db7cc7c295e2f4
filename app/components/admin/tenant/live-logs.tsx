// The last lines of the tenant's app or database logs, refreshed every two seconds while the tab is
// visible (usePolling over the JSON route app/routes/admin.tenants.$id.logs.ts).
import { useFetcher } from "@remix-run/react";
import { useEffect, useState } from "react";
import { usePolling } from "~/hooks/use-polling";
import type { AdminTranslate } from "~/i18n/admin-messages";

const SERVICES = ["app", "postgres"] as const;
const LOGS_EVERY_MS = 2000;

export function LiveLogs({ tenantId, t }: { tenantId: string; t: AdminTranslate }) {
  const [service, setService] = useState<(typeof SERVICES)[number]>("app");
  const logs = useFetcher<{ service: string; text: string }>();
  const url = `/admin/tenants/${tenantId}/logs?service=${service}`;
  const { load } = logs;
  useEffect(() => {
    load(url);
  }, [load, url]);
  usePolling({ every: LOGS_EVERY_MS, while: true, poll: () => logs.state === "idle" && logs.load(url) });
  const text = logs.data?.service === service ? logs.data.text : "";
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>
        {t("tenant.logs")}{" "}
        <select value={service} onChange={(e) => setService(e.target.value === "postgres" ? "postgres" : "app")} aria-label={t("tenant.service")}>
          {SERVICES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </h2>
      <pre className="logs" data-testid="logs">{text || t("tenant.waitingLogs")}</pre>
    </div>
  );
}
