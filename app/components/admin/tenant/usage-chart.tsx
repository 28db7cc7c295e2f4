// The tenant's usage over the last 30 days (CPU, memory, disk), one small line chart each, drawn
// as inline SVG (no chart library). Each chart says in words what it shows (its aria-label and
// title: lowest, highest, latest), each point carries its own title, and the latest values are
// also written out as text below, so the card reads without the pictures.
import type { AdminTranslate } from "~/i18n/admin-messages";
import { formatBytes } from "./format-usage";

export interface UsagePointView {
  at: string;
  cpuPercent: number;
  memoryBytes: number;
  diskBytes: number | null;
}

type Metric = { key: "cpu" | "memory" | "disk"; label: string; color: string; value: (p: UsagePointView) => number | null; format: (v: number) => string };

const WIDTH = 600;
const HEIGHT = 70;
const DAY_MS = 86_400_000;

export function UsageChart({ points, days, now, t }: { points: UsagePointView[]; days: number; now: string; t: AdminTranslate }) {
  const metrics: Metric[] = [
    { key: "cpu", label: t("usage.cpu"), color: "#2f5bea", value: (p) => p.cpuPercent, format: (v) => `${v.toFixed(1)} %` },
    { key: "memory", label: t("usage.memory"), color: "#12b76a", value: (p) => p.memoryBytes, format: formatBytes },
    { key: "disk", label: t("usage.disk"), color: "#b54708", value: (p) => p.diskBytes, format: formatBytes },
  ];
  const end = new Date(now).getTime();
  const start = end - days * DAY_MS;
  const latest = points.at(-1);
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="usage-chart">
      <h2>{t("usage.title", { days })}</h2>
      {!latest ? (
        <p className="muted" data-testid="usage-none">{t("usage.none")}</p>
      ) : (
        <>
          {metrics.map((m) => (
            <MetricChart key={m.key} metric={m} points={points} start={start} end={end} t={t} />
          ))}
          <p className="muted">{t("usage.latest", { at: latest.at.slice(0, 16).replace("T", " ") + " UTC" })}</p>
          <dl className="facts" data-testid="usage-latest">
            {metrics.map((m) => {
              const v = m.value(latest);
              return [<dt key={`${m.key}-t`}>{m.label}</dt>, <dd key={`${m.key}-d`} data-metric={m.key}>{v === null ? t("usage.unknown") : m.format(v)}</dd>];
            })}
          </dl>
        </>
      )}
    </div>
  );
}

function MetricChart({ metric, points, start, end, t }: { metric: Metric; points: UsagePointView[]; start: number; end: number; t: AdminTranslate }) {
  const known = points.flatMap((p) => {
    const v = metric.value(p);
    return v === null ? [] : [{ at: p.at, time: new Date(p.at).getTime(), v }];
  });
  if (known.length === 0) {
    return (
      <p className="muted" data-metric-chart={metric.key}>
        {metric.label}: {t("usage.unknown")}
      </p>
    );
  }
  const values = known.map((k) => k.v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const top = max > 0 ? max * 1.1 : 1;
  const x = (time: number) => ((time - start) / Math.max(1, end - start)) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * HEIGHT;
  const label = t("usage.chartLabel", {
    metric: metric.label,
    from: known[0]!.at.slice(0, 10),
    to: known.at(-1)!.at.slice(0, 10),
    min: metric.format(min),
    max: metric.format(max),
    latest: metric.format(known.at(-1)!.v),
  });
  return (
    <figure style={{ margin: "0.5rem 0" }}>
      <figcaption className="muted">
        {metric.label} · max {metric.format(max)}
      </figcaption>
      <svg role="img" aria-label={label} viewBox={`0 0 ${WIDTH} ${HEIGHT + 2}`} width="100%" height={HEIGHT + 2} preserveAspectRatio="none" data-metric-chart={metric.key}>
        <title>{label}</title>
        <line x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} stroke="#d0d5dd" strokeWidth={1} />
        {known.length > 1 ? (
          <polyline fill="none" stroke={metric.color} strokeWidth={1.5} points={known.map((k) => `${x(k.time).toFixed(1)},${y(k.v).toFixed(1)}`).join(" ")} />
        ) : null}
        {known.map((k) => (
          <circle key={k.at} cx={x(k.time)} cy={y(k.v)} r={known.length > 200 ? 0.8 : 2} fill={metric.color}>
            <title>{t("usage.point", { at: k.at.slice(0, 16).replace("T", " "), value: metric.format(k.v) })}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
