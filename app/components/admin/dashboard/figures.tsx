// The dashboard's parts: a figure with its label, and 30 days of signups and conversions as bars
// (an SVG with a title per day, so each bar can be read out).
import type { AdminTranslate } from "~/i18n/admin-messages";

export interface DayFigures {
  day: string;
  signups: number;
  conversions: number;
}

export function SignupChart({ days, t }: { days: DayFigures[]; t: AdminTranslate }) {
  const max = Math.max(1, ...days.map((d) => Math.max(d.signups, d.conversions)));
  const barWidth = 20;
  const height = 120;
  return (
    <div className="card">
      <h2>{t("dashboard.chart")}</h2>
      <svg role="img" aria-label={t("dashboard.chart")} viewBox={`0 0 ${days.length * barWidth} ${height + 20}`} width="100%">
        {days.map((d, i) => {
          const s = (d.signups / max) * height;
          const c = (d.conversions / max) * height;
          return (
            <g key={d.day}>
              <title>{t("dashboard.bar", { day: d.day, signups: d.signups, conversions: d.conversions })}</title>
              <rect x={i * barWidth + 2} y={height - s} width={8} height={s} fill="#2f5bea" />
              <rect x={i * barWidth + 10} y={height - c} width={8} height={c} fill="#12b76a" />
              {i % 5 === 0 ? (
                <text x={i * barWidth} y={height + 14} fontSize="9" fill="#5b6475">
                  {d.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <p className="muted">
        <span style={{ color: "#2f5bea" }}>■</span> {t("dashboard.signups")} <span style={{ color: "#12b76a" }}>■</span>{" "}
        {t("dashboard.conversions")}
      </p>
    </div>
  );
}

export function Figure({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="figure">
      <strong data-testid={testId}>{value}</strong>
      {label}
    </div>
  );
}
