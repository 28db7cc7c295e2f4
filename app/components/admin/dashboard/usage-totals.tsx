// The dashboard's usage totals: the latest sample of each active tenant, summed (memory, disk,
// CPU), with how many tenants and as of when; a disk the engine could not measure is said so.
import type { AdminTranslate } from "~/i18n/admin-messages";
import { formatBytes } from "~/components/admin/tenant/format-usage";
import type { UsageTotals as UsageTotalsView } from "~/models/admin-usage.server";

export function UsageTotals({ totals, t }: { totals: UsageTotalsView; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="usage-totals">
      <h2>{t("usage.totals")}</h2>
      {totals.tenants === 0 || !totals.latestAt ? (
        <p className="muted">{t("usage.totalsNone")}</p>
      ) : (
        <>
          <div className="figures">
            <div className="figure">
              <strong data-testid="total-memory">{formatBytes(totals.memoryBytes)}</strong>
              {t("usage.memory")}
            </div>
            <div className="figure">
              <strong data-testid="total-disk">
                {formatBytes(totals.diskBytes)}
                {totals.diskUnknown > 0 ? ` (+${totals.diskUnknown} ${t("usage.unknown")})` : ""}
              </strong>
              {t("usage.disk")}
            </div>
            <div className="figure">
              <strong data-testid="total-cpu">{`${totals.cpuPercent.toFixed(1)} %`}</strong>
              {t("usage.totalCpu")}
            </div>
          </div>
          <p className="muted">{t("usage.totalsNote", { count: totals.tenants, at: totals.latestAt.slice(0, 16).replace("T", " ") + " UTC" })}</p>
        </>
      )}
    </div>
  );
}
