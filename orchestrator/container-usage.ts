// One container's memory and CPU from an Engine API stats sample (`GET /containers/{id}/stats?
// stream=false`), read as `docker stats` reads it. Shared by the Docker and Portainer drivers,
// which fetch the sample their own way.
import type { ContainerUsage } from "./driver.ts";

export interface StatsSample {
  memory_stats?: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number } };
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
}

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

