// Bytes a project's volumes take on the engine (its data), from the engine's disk usage report
// (`GET /system/df`, Volumes[].UsageData.Size), as `docker system df -v` shows them. null when the
// engine cannot tell: a volume it has not measured (Size -1) or absent from the report. A project
// without a volume takes 0 bytes.
import type { EngineApi, VolumeSize } from "./engine.ts";
import type { DiskUsage } from "./wire.ts";

/** Sizes from the disk usage report; the engine's -1 ("not measured") becomes null. */
export function volumeSizesOf(report: DiskUsage): VolumeSize[] {
  return (report.Volumes ?? []).map((v) => {
    const size = v.UsageData?.Size;
    return { name: v.Name, sizeBytes: typeof size === "number" && size >= 0 ? size : null };
  });
}

// The report measures every volume on the engine: one pass of the usage task over many tenants
// reads one report, kept this long, instead of one per tenant. A volume missing from a kept report
// (created since) makes a fresh one.
const REPORT_REUSE_MS = 60_000;
const reports = new WeakMap<EngineApi, { readAt: number; sizes: Promise<Map<string, number | null>> }>();

function volumeSizeReport(engine: EngineApi, fresh: boolean): Promise<Map<string, number | null>> {
  const kept = reports.get(engine);
  if (!fresh && kept && performance.now() - kept.readAt < REPORT_REUSE_MS) return kept.sizes;
  const sizes = engine.volumeSizes().then((list) => new Map(list.map((v) => [v.name, v.sizeBytes])));
  reports.set(engine, { readAt: performance.now(), sizes });
  sizes.catch(() => reports.delete(engine));
  return sizes;
}

export async function projectDiskUsage(engine: EngineApi, project: string): Promise<number | null> {
  const volumes = await engine.listVolumes(project);
  if (volumes.length === 0) return 0;
  let sizes = await volumeSizeReport(engine, false);
  if (volumes.some((name) => !sizes.has(name))) sizes = await volumeSizeReport(engine, true);
  let total = 0;
  for (const name of volumes) {
    const size = sizes.get(name);
    if (size === undefined || size === null) return null;
    total += size;
  }
  return total;
}
