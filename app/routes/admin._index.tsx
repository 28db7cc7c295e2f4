// Dashboard: the figures the vendor's team looks at first, and 30 days of signups and conversions.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { dashboardFigures } from "~/models/dashboard.server";
import { useLocale } from "~/i18n/use-locale";
import { adminTitle } from "~/admin/meta";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.dashboard") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  return dashboardFigures(context.services.prisma, context.services.now());
}

export default function Dashboard() {
  const figures = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  const max = Math.max(1, ...figures.days.map((d) => Math.max(d.signups, d.conversions)));
  const barWidth = 20;
  const height = 120;
  return (
    <section>
      <h1>{t("nav.dashboard")}</h1>
      <div className="figures">
        <Figure label={t("dashboard.activeTrials")} value={figures.activeTrials} testId="active-trials" />
        <Figure label={t("dashboard.endingSoon")} value={figures.endingSoon} testId="ending-soon" />
        <Figure label={t("dashboard.paying")} value={figures.paying} testId="paying" />
        <Figure label={t("dashboard.failed")} value={figures.failed} testId="failed" />
      </div>
      <div className="card">
        <h2>{t("dashboard.chart")}</h2>
        <svg role="img" aria-label={t("dashboard.chart")} viewBox={`0 0 ${figures.days.length * barWidth} ${height + 20}`} width="100%">
          {figures.days.map((d, i) => {
            const s = (d.signups / max) * height;
            const c = (d.conversions / max) * height;
            return (
              <g key={d.day}>
                <title>{t("dashboard.bar", d)}</title>
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
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="figure">
      <strong data-testid={testId}>{value}</strong>
      {label}
    </div>
  );
}
