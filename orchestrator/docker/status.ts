// What the engine holds of a project, in the driver interface's terms.
import type Dockerode from "dockerode";
import type { ContainerHealth, ContainerState, ContainerStatus, StackStatus } from "../driver.ts";
import { projectContainers } from "./containers.ts";
import { dockerCallOrNull } from "./errors.ts";
import { projectNetworks } from "./networks.ts";
import { projectVolumes } from "./volumes.ts";

const STATES: readonly ContainerState[] = ["created", "running", "paused", "restarting", "removing", "exited", "dead"];
const HEALTHS: readonly ContainerHealth[] = ["starting", "healthy", "unhealthy"];

function portsOf(info: Dockerode.ContainerInspectInfo): ContainerStatus["ports"] {
  const ports: ContainerStatus["ports"] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const containerPort = Number.parseInt(key, 10);
    for (const b of bindings ?? []) {
      ports.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort });
    }
  }
  return ports;
}

export async function projectStatus(docker: Dockerode, project: string): Promise<StackStatus> {
  const containers: ContainerStatus[] = [];
  for (const c of await projectContainers(docker, project)) {
    // Removed between the list and the inspect: it no longer exists, so it is not reported.
    const info = await dockerCallOrNull(`inspecting container ${c.name}`, () => docker.getContainer(c.id).inspect());
    if (!info) continue;
    const state = STATES.find((s) => s === info.State.Status) ?? "dead";
    const health = HEALTHS.find((h) => h === info.State.Health?.Status) ?? "none";
    containers.push({ service: c.service, containerName: c.name, state, health, ports: portsOf(info) });
  }
  const exists =
    containers.length > 0 || (await projectNetworks(docker, project)).length > 0 || (await projectVolumes(docker, project)).length > 0;
  return { project, exists, containers };
}
