// A project's containers as both drivers list them: found by label, named without the engine's
// leading slash, sorted dependencies first (start-order label, then service and name), and the one
// container of a service, with the error a caller can act on when there is none.
import { DriverError } from "../errors.ts";
import { LABELS } from "../stack-spec.ts";
import type { EngineApi } from "./engine.ts";
import { startOrderOf } from "./labels.ts";

export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  /** The engine's state word: "running", "exited", "created", "paused", "restarting", "dead"… */
  state: string;
  labels: Record<string, string>;
}

/** Every container of the project (any state), dependencies first as far as labels tell. */
export async function projectContainers(engine: EngineApi, project: string, service?: string): Promise<ProjectContainer[]> {
  const list = await engine.listContainers({ project, ...(service !== undefined ? { service } : {}) });
  return list
    .map((c) => {
      const labels = c.Labels ?? {};
      return { id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ""), service: labels[LABELS.composeService] ?? "", state: c.State, labels };
    })
    .sort((a, b) => startOrderOf(a.labels) - startOrderOf(b.labels) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

/** The service's container; a permanent DriverError when the project has none. */
export async function serviceContainer(engine: EngineApi, project: string, service: string): Promise<ProjectContainer> {
  const [container] = await projectContainers(engine, project, service);
  if (!container) {
    throw new DriverError(`Project ${project} has no container for service "${service}"; deploy the stack first.`, { transient: false });
  }
  return container;
}

/** The service's container, which must be running for anything to run in it. */
export async function runningServiceContainer(engine: EngineApi, project: string, service: string): Promise<ProjectContainer> {
  const container = await serviceContainer(engine, project, service);
  if (container.state !== "running") {
    throw new DriverError(
      `Service "${service}" of ${project} is ${container.state}, not running, so nothing can run in it; start the stack first.`,
      { transient: container.state === "restarting" },
    );
  }
  return container;
}

/**
 * Removes what carries the project's label: containers (with their anonymous volumes), networks,
 * and, when asked, the named volumes (the tenant's data). Whatever is already gone is skipped.
 */
export async function removeProjectResources(engine: EngineApi, project: string, options: { removeVolumes: boolean }): Promise<void> {
  for (const c of await projectContainers(engine, project)) await engine.removeContainer(c.id, c.name);
  for (const network of await engine.listNetworks(project)) await engine.removeNetwork(network.id, network.name);
  if (options.removeVolumes) {
    for (const volume of await engine.listVolumes(project)) await engine.removeVolume(volume);
  }
}
