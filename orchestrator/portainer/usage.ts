// Memory and CPU use of a project's running containers through the Docker proxy: one
// `GET /containers/{id}/stats?stream=false` sample each, read as `docker stats` reads it.
import type { ContainerUsage } from "../driver.ts";
import type { DockerProxy } from "./docker-proxy.ts";
import { PortainerApiError } from "./errors.ts";
import { containerStats } from "./schemas.ts";

export async function projectUsage(proxy: DockerProxy, project: string): Promise<ContainerUsage[]> {
  const usage: ContainerUsage[] = [];
  for (const c of await proxy.projectContainers(project)) {
    if (c.state !== "running") continue;
    let sample;
    try {
      sample = await proxy.client.json(
        containerStats,
        proxy.call(`/containers/${encodeURIComponent(c.id)}/stats`, { query: { stream: false }, action: `reading the stats of ${c.name}` }),
      );
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) continue; // removed meanwhile
      throw err;
    }
    const memory = sample.memory_stats ?? {};
    // As `docker stats` does: the page cache the kernel can drop does not count as used.
    const cache = memory.stats?.inactive_file ?? memory.stats?.cache ?? 0;
    const cpuDelta = (sample.cpu_stats?.cpu_usage?.total_usage ?? 0) - (sample.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (sample.cpu_stats?.system_cpu_usage ?? 0) - (sample.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = sample.cpu_stats?.online_cpus ?? 1;
    usage.push({
      service: c.service,
      memoryBytes: Math.max(0, (memory.usage ?? 0) - cache),
      memoryLimitBytes: memory.limit ?? 0,
      cpuPercent: systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0,
    });
  }
  return usage;
}
