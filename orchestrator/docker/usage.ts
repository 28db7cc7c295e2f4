// Memory and CPU use of a project's running containers, from one `docker stats --no-stream`-like
// sample each (the engine computes the CPU delta against its previous reading).
import type Dockerode from "dockerode";
import type { ContainerUsage } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import { dockerCallOrNull } from "./errors.ts";

interface StatsSample {
  memory_stats?: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number } };
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
}

export async function projectUsage(docker: Dockerode, project: string): Promise<ContainerUsage[]> {
  const usage: ContainerUsage[] = [];
  for (const c of await projectContainers(docker, project)) {
    if (c.state !== "running") continue;
    const sample = (await dockerCallOrNull(`reading the stats of ${c.name}`, () =>
      docker.getContainer(c.id).stats({ stream: false }),
    )) as StatsSample | null;
    if (!sample) continue;
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
