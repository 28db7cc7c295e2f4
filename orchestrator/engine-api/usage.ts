// Memory and CPU use of a project's running containers, from one stats sample each, read as
// `docker stats` reads it (the engine computes the CPU delta against its previous reading).
import type { ContainerUsage } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import type { EngineApi } from "./engine.ts";
import type { StatsSample } from "./wire.ts";

export function usageFromStats(service: string, sample: StatsSample): ContainerUsage {
  const memory = sample.memory_stats ?? {};
  // The page cache the kernel can drop does not count as used.
  const cache = memory.stats?.inactive_file ?? memory.stats?.cache ?? 0;
  const cpuDelta = (sample.cpu_stats?.cpu_usage?.total_usage ?? 0) - (sample.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (sample.cpu_stats?.system_cpu_usage ?? 0) - (sample.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = sample.cpu_stats?.online_cpus ?? 1;
  return {
    service,
    memoryBytes: Math.max(0, (memory.usage ?? 0) - cache),
    memoryLimitBytes: memory.limit ?? 0,
    cpuPercent: systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0,
  };
}

export async function projectUsage(engine: EngineApi, project: string): Promise<ContainerUsage[]> {
  const usage: ContainerUsage[] = [];
  for (const c of await projectContainers(engine, project)) {
    if (c.state !== "running") continue;
    // null: removed since the list.
    const sample = await engine.containerStats(c.id, c.name);
    if (sample) usage.push(usageFromStats(c.service, sample));
  }
  return usage;
}
