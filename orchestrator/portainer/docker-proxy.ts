// The Docker Engine API of one Portainer environment, reached through Portainer's proxy
// (/api/endpoints/{id}/docker/…, reference §7): the Portainer driver's implementation of EngineApi
// (../engine-api/engine.ts), so it reads containers, logs, stats and exec results with the same
// code as the Docker driver. Docker's own errors come back through Portainer unchanged and are
// translated by the client (errors.ts); a 404 on a read or a removal means "gone".
import type { Readable } from "node:stream";
import type { EngineApi, ExecRun, ExecSpec, LabelledResource, VolumeSize } from "../engine-api/engine.ts";
import { volumeSizesOf } from "../engine-api/disk.ts";
import { execTimedOut } from "../engine-api/exec.ts";
import { containerUpdateBody } from "../engine-api/resources.ts";
import type { ContainerResources } from "../driver.ts";
import { labelFilter } from "../engine-api/labels.ts";
import {
  containerInspect,
  containerList,
  containerStats,
  diskUsage,
  execCreated,
  execInspect,
  networkList,
  volumeList,
  type ContainerInspect,
  type StatsSample,
} from "../engine-api/wire.ts";
import type { Call, PortainerClient } from "./client.ts";
import { PortainerApiError, PortainerUnreachableError } from "./errors.ts";

export class DockerProxy implements EngineApi {
  constructor(
    readonly client: PortainerClient,
    readonly endpointId: number,
  ) {}

  call(path: string, call: Omit<Call, "path">): Call {
    return { ...call, path: `/api/endpoints/${this.endpointId}/docker${path}` };
  }

  async ping(): Promise<void> {
    await this.client.send(this.call("/_ping", { action: `pinging the Docker engine of environment ${this.endpointId}` }));
  }

  listContainers(query: { project?: string; service?: string }) {
    const label = labelFilter(query);
    return this.client.json(
      containerList,
      this.call("/containers/json", {
        query: { all: 1, ...(label.length ? { filters: JSON.stringify({ label }) } : {}) },
        action: query.project ? `listing containers of ${query.project}` : "listing containers",
      }),
    );
  }

  inspectContainer(id: string, name: string): Promise<ContainerInspect | null> {
    return this.#orNull(this.client.json(containerInspect, this.call(`/containers/${encodeURIComponent(id)}/json`, { action: `inspecting container ${name}` })));
  }

  async listNetworks(project: string): Promise<{ id: string; name: string }[]> {
    const list = await this.client.json(networkList, this.call("/networks", { query: this.#labelled(project), action: `listing networks of ${project}` }));
    return list.map((n) => ({ id: n.Id, name: n.Name }));
  }

  async listVolumes(project: string): Promise<string[]> {
    const answer = await this.client.json(volumeList, this.call("/volumes", { query: this.#labelled(project), action: `listing volumes of ${project}` }));
    return (answer.Volumes ?? []).map((v) => v.Name);
  }

  async listManagedNetworks(): Promise<LabelledResource[]> {
    const query = { filters: JSON.stringify({ label: labelFilter({ managed: true }) }) };
    const list = await this.client.json(networkList, this.call("/networks", { query, action: "listing Tenantry's networks" }));
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async listManagedVolumes(): Promise<LabelledResource[]> {
    const query = { filters: JSON.stringify({ label: labelFilter({ managed: true }) }) };
    const answer = await this.client.json(volumeList, this.call("/volumes", { query, action: "listing Tenantry's volumes" }));
    return (answer.Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {} }));
  }

  async volumeSizes(): Promise<VolumeSize[]> {
    // type=volume (Engine API 1.42+) spares the engine measuring images and containers; older ones ignore it.
    const report = await this.client.json(diskUsage, this.call("/system/df", { query: { type: "volume" }, action: "reading the engine's disk usage" }));
    return volumeSizesOf(report);
  }

  containerLogs(id: string, name: string, tail: number): Promise<Buffer> {
    return this.client.bytes(
      this.call(`/containers/${encodeURIComponent(id)}/logs`, { query: { stdout: 1, stderr: 1, tail }, action: `reading logs of container ${name}` }),
    );
  }

  containerStats(id: string, name: string): Promise<StatsSample | null> {
    return this.#orNull(
      this.client.json(containerStats, this.call(`/containers/${encodeURIComponent(id)}/stats`, { query: { stream: false }, action: `reading the stats of ${name}` })),
    );
  }

  async createExec(containerId: string, containerName: string, spec: ExecSpec): Promise<string> {
    const created = await this.client.json(
      execCreated,
      this.call(`/containers/${encodeURIComponent(containerId)}/exec`, {
        method: "POST",
        json: {
          // The proxy carries no hijacked connection: standard input cannot reach the process (exec.ts).
          AttachStdin: false,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Cmd: spec.command,
          ...(spec.user ? { User: spec.user } : {}),
          ...(spec.env ? { Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`) } : {}),
        },
        // An exec instance that is created but never started costs nothing.
        idempotent: true,
        action: `running ${spec.command[0] ?? ""} in container ${containerName}`,
      }),
    );
    return created.Id;
  }

  async startExec(execId: string, run: ExecRun): Promise<Buffer> {
    if (run.stdin !== undefined) throw new Error("Portainer's Docker proxy cannot carry standard input; hand it over as a file (exec.ts).");
    try {
      // Never repeated: that would run the command twice.
      return await this.client.bytes(
        this.call(`/exec/${encodeURIComponent(execId)}/start`, {
          method: "POST",
          json: { Detach: false, Tty: false },
          timeoutMs: run.timeoutMs,
          action: `running ${run.label}`,
        }),
      );
    } catch (err) {
      if (err instanceof PortainerUnreachableError && err.failure === "timeout") throw execTimedOut(run, err);
      throw err;
    }
  }

  async startExecStream(execId: string, run: { stdin?: Readable; label: string }): Promise<Readable> {
    if (run.stdin !== undefined) throw new Error("Portainer's Docker proxy cannot carry standard input; hand it over as files (exec.ts).");
    // Never repeated: that would run the command twice.
    return this.client.stream(
      this.call(`/exec/${encodeURIComponent(execId)}/start`, { method: "POST", json: { Detach: false, Tty: false }, action: `running ${run.label}` }),
    );
  }

  inspectExec(execId: string, label: string) {
    return this.client.json(execInspect, this.call(`/exec/${encodeURIComponent(execId)}/json`, { action: `inspecting the exec of ${label}` }));
  }

  async updateContainerResources(id: string, name: string, resources: ContainerResources): Promise<void> {
    await this.client.send(
      this.call(`/containers/${encodeURIComponent(id)}/update`, {
        method: "POST",
        json: containerUpdateBody(resources),
        // The same limits set twice are the same limits.
        idempotent: true,
        action: `updating the limits of container ${name}`,
      }),
    );
  }

  removeContainer(id: string, name: string): Promise<void> {
    return this.#remove(`/containers/${encodeURIComponent(id)}`, `removing container ${name}`, { force: true, v: true });
  }

  removeNetwork(id: string, name: string): Promise<void> {
    return this.#remove(`/networks/${encodeURIComponent(id)}`, `removing network ${name}`);
  }

  removeVolume(name: string): Promise<void> {
    return this.#remove(`/volumes/${encodeURIComponent(name)}`, `removing volume ${name}`);
  }

  /** Writes a tar archive into a directory of the container (`PUT /containers/{id}/archive`). */
  async putArchive(containerId: string, directory: string, archive: Buffer, action: string): Promise<void> {
    await this.client.send(
      this.call(`/containers/${encodeURIComponent(containerId)}/archive`, {
        method: "PUT",
        query: { path: directory },
        body: { bytes: archive, contentType: "application/x-tar" },
        idempotent: true,
        action,
      }),
    );
  }

  #labelled(project: string): Call["query"] {
    return { filters: JSON.stringify({ label: labelFilter({ project }) }) };
  }

  /** Removes, treating "already gone" (404) as done. */
  async #remove(path: string, action: string, query?: Call["query"]): Promise<void> {
    await this.#orNull(this.client.send(this.call(path, { method: "DELETE", idempotent: true, ...(query ? { query } : {}), action })));
  }

  /** The answer, or null when the engine says the resource does not exist (404). */
  async #orNull<T>(answer: Promise<T>): Promise<T | null> {
    try {
      return await answer;
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) return null;
      throw err;
    }
  }
}
