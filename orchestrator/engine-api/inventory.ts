// What Tenantry owns on the engine, found by its ownership label (io.tenantry.managed) whatever
// the project: every container (any state), network and volume, with the project, tenant and
// service labels and a container's state. The reconciler compares it with the database; nothing
// here removes anything.
import type { EngineInventory, EngineResource } from "../driver.ts";
import { LABELS } from "../stack-spec.ts";
import type { EngineApi } from "./engine.ts";

function fromLabels(labels: Record<string, string> | null | undefined): Pick<EngineResource, "project" | "tenantId" | "service"> {
  return {
    project: labels?.[LABELS.composeProject] || null,
    tenantId: labels?.[LABELS.tenantId] || null,
    service: labels?.[LABELS.composeService] || null,
  };
}

export async function engineInventory(engine: EngineApi): Promise<EngineInventory> {
  const [containers, networks, volumes] = [
    await engine.listContainers({ managed: true }),
    await engine.listManagedNetworks(),
    await engine.listManagedVolumes(),
  ];
  const resources: EngineResource[] = [
    ...containers.map((c) => ({
      kind: "container" as const,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      ...fromLabels(c.Labels),
      state: c.State,
    })),
    ...networks.map((n) => ({ kind: "network" as const, name: n.name, ...fromLabels(n.labels), service: null, state: null })),
    ...volumes.map((v) => ({ kind: "volume" as const, name: v.name, ...fromLabels(v.labels), service: null, state: null })),
  ];
  return { resources: resources.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)) };
}
