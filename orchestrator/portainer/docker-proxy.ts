// The Docker Engine API of one Portainer environment, reached through Portainer's proxy
// (/api/endpoints/{id}/docker/…, reference §7): containers, networks and volumes of a project,
// found by the compose project label. Docker's own errors come back through Portainer unchanged.
import { LABELS } from "../stack-spec.ts";
import type { Call, PortainerClient } from "./client.ts";
import { PortainerApiError } from "./errors.ts";
import { containerInspect, containerList, networkList, volumeList, type ContainerInspect } from "./schemas.ts";

export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  state: string;
  labels: Record<string, string>;
}

// Set by the Docker driver; compose does not set it, so compose-made containers sort by service.
const START_ORDER_LABEL = "io.tenantry.start-order";

export class DockerProxy {
  constructor(
    readonly client: PortainerClient,
    readonly endpointId: number,
  ) {}

  call(path: string, call: Omit<Call, "path">): Call {
    return { ...call, path: `/api/endpoints/${this.endpointId}/docker${path}` };
  }

  /** Every container of the project (any state), dependencies first as far as labels tell. */
  async projectContainers(project: string, service?: string): Promise<ProjectContainer[]> {
    const label = [`${LABELS.composeProject}=${project}`];
    if (service !== undefined) label.push(`${LABELS.composeService}=${service}`);
    const list = await this.client.json(
      containerList,
      this.call("/containers/json", { query: { all: 1, filters: JSON.stringify({ label }) }, action: `listing containers of ${project}` }),
    );
    return list
      .map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
        service: c.Labels?.[LABELS.composeService] ?? "",
        state: c.State,
        labels: c.Labels ?? {},
      }))
      .sort((a, b) => startOrder(a) - startOrder(b) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
  }

  /** null when the container is gone (removed between a list and this inspect). */
  async inspect(id: string, name: string): Promise<ContainerInspect | null> {
    try {
      return await this.client.json(containerInspect, this.call(`/containers/${encodeURIComponent(id)}/json`, { action: `inspecting container ${name}` }));
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) return null;
      throw err;
    }
  }

  async allContainers() {
    return this.client.json(containerList, this.call("/containers/json", { query: { all: 1 }, action: "listing containers" }));
  }

  async projectNetworks(project: string): Promise<{ id: string; name: string }[]> {
    const list = await this.client.json(
      networkList,
      this.call("/networks", { query: { filters: JSON.stringify({ label: [`${LABELS.composeProject}=${project}`] }) }, action: `listing networks of ${project}` }),
    );
    return list.map((n) => ({ id: n.Id, name: n.Name }));
  }

  async projectVolumes(project: string): Promise<string[]> {
    const answer = await this.client.json(
      volumeList,
      this.call("/volumes", { query: { filters: JSON.stringify({ label: [`${LABELS.composeProject}=${project}`] }) }, action: `listing volumes of ${project}` }),
    );
    return (answer.Volumes ?? []).map((v) => v.Name);
  }

  /** Removes, treating "already gone" (404) as done. */
  async remove(kind: "containers" | "networks" | "volumes", id: string, name: string, query?: Call["query"]): Promise<void> {
    const singular = kind.slice(0, -1);
    try {
      await this.client.send(
        this.call(`/${kind}/${encodeURIComponent(id)}`, { method: "DELETE", idempotent: true, ...(query ? { query } : {}), action: `removing ${singular} ${name}` }),
      );
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) return;
      throw err;
    }
  }
}

function startOrder(c: ProjectContainer): number {
  const order = Number(c.labels[START_ORDER_LABEL]);
  return Number.isInteger(order) ? order : Number.MAX_SAFE_INTEGER;
}
