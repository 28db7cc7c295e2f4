// A running stack's resource limits changed in place (a plan change, issue 12): every container of
// the project gets the same memory and CPU limits through the engine's container update, which
// both drivers reach (the socket; Portainer's Docker proxy). No container is recreated or
// restarted. Updating to the limits a container already has changes nothing, so a retried step is harmless.
import type { ContainerResources } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import type { EngineApi } from "./engine.ts";

/** The project's containers updated; returns how many (0 when the project has none, e.g. not deployed yet). */
export async function updateProjectResources(engine: EngineApi, project: string, resources: ContainerResources): Promise<number> {
  const containers = await projectContainers(engine, project);
  for (const container of containers) await engine.updateContainerResources(container.id, container.name, resources);
  return containers.length;
}

/**
 * The body of `POST /containers/{id}/update`. The swap limit moves with the memory limit (the
 * engine refuses a memory limit above the swap limit already set): twice the memory, which is
 * what the engine gives a container created with a memory limit alone.
 */
export function containerUpdateBody(resources: ContainerResources): { Memory: number; MemorySwap: number; NanoCpus: number } {
  return { Memory: resources.memoryBytes, MemorySwap: resources.memoryBytes * 2, NanoCpus: resources.nanoCpus };
}
