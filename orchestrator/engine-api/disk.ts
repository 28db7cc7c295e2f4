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

export async function projectDiskUsage(engine: EngineApi, project: string): Promise<number | null> {
  const volumes = await engine.listVolumes(project);
  if (volumes.length === 0) return 0;
  const sizes = new Map((await engine.volumeSizes()).map((v) => [v.name, v.sizeBytes]));
  let total = 0;
  for (const name of volumes) {
    const size = sizes.get(name);
    if (size === undefined || size === null) return null;
    total += size;
  }
  return total;
}
