// What the engine holds of a project, in the driver interface's terms: each container's state and
// health (the engine's words mapped onto ours) and its published ports; the project "exists" while
// any container, network or volume carries its label.
import type { ContainerHealth, ContainerState, ContainerStatus, StackStatus } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import type { EngineApi } from "./engine.ts";
import type { ContainerInspect } from "./wire.ts";

const STATES: readonly ContainerState[] = ["created", "running", "paused", "restarting", "removing", "exited", "dead"];
const HEALTHS: readonly ContainerHealth[] = ["starting", "healthy", "unhealthy"];

/** An engine state we do not know counts as dead; a container without a healthcheck has health "none". */
export function containerStatus(service: string, name: string, info: ContainerInspect): ContainerStatus {
  return {
    service,
    containerName: name,
    state: STATES.find((s) => s === info.State.Status) ?? "dead",
    health: HEALTHS.find((h) => h === info.State.Health?.Status) ?? "none",
    ports: publishedNow(info),
  };
}

/** The bindings published now ("8080/tcp" → 127.0.0.1:20001). */
function publishedNow(info: ContainerInspect): ContainerStatus["ports"] {
  const ports: ContainerStatus["ports"] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const containerPort = Number.parseInt(key, 10);
    for (const b of bindings ?? []) ports.push({ hostIp: b.HostIp ?? "", hostPort: Number(b.HostPort), containerPort });
  }
  return ports;
}

export async function projectStatus(engine: EngineApi, project: string): Promise<StackStatus> {
  const containers: ContainerStatus[] = [];
  for (const c of await projectContainers(engine, project)) {
    // Removed between the list and the inspect: it no longer exists, so it is not reported.
    const info = await engine.inspectContainer(c.id, c.name);
    if (info) containers.push(containerStatus(c.service, c.name, info));
  }
  const exists = containers.length > 0 || (await engine.listNetworks(project)).length > 0 || (await engine.listVolumes(project)).length > 0;
  return { project, exists, containers };
}
