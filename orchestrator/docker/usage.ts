// Memory and CPU use of a project's running containers, from one stats sample each (the engine
// computes the CPU delta against its previous reading).
import type Dockerode from "dockerode";
import { usageFromStats, type StatsSample } from "../container-usage.ts";
import type { ContainerUsage } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import { dockerCallOrNull } from "./errors.ts";

export async function projectUsage(docker: Dockerode, project: string): Promise<ContainerUsage[]> {
  const usage: ContainerUsage[] = [];
  for (const c of await projectContainers(docker, project)) {
    if (c.state !== "running") continue;
    const sample = (await dockerCallOrNull(`reading the stats of ${c.name}`, () =>
      docker.getContainer(c.id).stats({ stream: false }),
    )) as StatsSample | null;
    if (sample) usage.push(usageFromStats(c.service, sample));
  }
  return usage;
}
