// Memory and CPU use of a project's running containers through the Docker proxy: one
// `GET /containers/{id}/stats?stream=false` sample each, read as `docker stats` reads it.
import { usageFromStats } from "../container-usage.ts";
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
    usage.push(usageFromStats(c.service, sample));
  }
  return usage;
}
