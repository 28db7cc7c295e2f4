// The Docker Engine API as both drivers reach it, in our own types: the Docker driver implements
// it with dockerode on the engine's socket (docker/engine.ts), the Portainer driver with Portainer's
// Docker proxy over HTTP (portainer/docker-proxy.ts). Everything a driver reads from the engine
// (containers, state and health, ports, usage, logs, exec) and the removal of a project's leftovers
// is written once over this interface, in this folder. Implementations translate their failures
// into the orchestrator's errors (orchestrator/errors.ts) before anything here sees them.
import type { Readable } from "node:stream";
import type { ContainerResources } from "../driver.ts";
import type { ContainerInspect, ContainerSummary, ExecInspect, StatsSample } from "./wire.ts";

/**
 * Which containers: those of a compose project, and of one of its services; with `managed`, only
 * those carrying Tenantry's ownership label (any project); every one when empty.
 */
export interface ContainerQuery {
  project?: string;
  service?: string;
  managed?: boolean;
}

/** A network or volume as the engine lists it, with its labels (null when it has none). */
export interface LabelledResource {
  /** The network's id; the volume's name (volumes have no other id). */
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** A volume's size as `GET /system/df` reports it; null while the engine has not measured it. */
export interface VolumeSize {
  name: string;
  sizeBytes: number | null;
}

/** What to run with `createExec`; `stdin` says whether the process gets a standard input. */
export interface ExecSpec {
  command: string[];
  stdin: boolean;
  user?: string;
  env?: Record<string, string>;
}

export interface ExecRun {
  /** Written to the process's standard input, then closed. */
  stdin?: string;
  /** Bound on the run; past it the implementation stops reading and throws `execTimedOut`. */
  timeoutMs: number;
  /** "psql in container acme-postgres", for messages. */
  label: string;
}

export interface EngineApi {
  /** Throws EngineUnavailableError when the engine does not answer. */
  ping(): Promise<void>;
  /** Containers in any state, found by our labels (labels.ts). */
  listContainers(query: ContainerQuery): Promise<ContainerSummary[]>;
  /** null when the container does not exist (e.g. removed since it was listed). */
  inspectContainer(id: string, name: string): Promise<ContainerInspect | null>;
  /** The project's networks and volumes, found by label. */
  listNetworks(project: string): Promise<{ id: string; name: string }[]>;
  listVolumes(project: string): Promise<string[]>;
  /** Every network and volume carrying Tenantry's ownership label, whatever its project. */
  listManagedNetworks(): Promise<LabelledResource[]>;
  listManagedVolumes(): Promise<LabelledResource[]>;
  /** The engine's disk usage report of its volumes (`GET /system/df`). */
  volumeSizes(): Promise<VolumeSize[]>;
  /** The last `tail` lines, as the engine sends them (multiplexed unless the container has a TTY). */
  containerLogs(id: string, name: string, tail: number): Promise<Buffer>;
  /** One stats sample; null when the container is gone. */
  containerStats(id: string, name: string): Promise<StatsSample | null>;
  /** Creates an exec instance in the container; returns its id. */
  createExec(containerId: string, containerName: string, spec: ExecSpec): Promise<string>;
  /** Starts it, hands it `run.stdin` if any, and returns its output (multiplexed) once it is over. */
  startExec(execId: string, run: ExecRun): Promise<Buffer>;
  /**
   * Starts it with `stdin` (if any) piped to the process, and returns its output (multiplexed) as
   * a stream, which ends when the process has closed it. Never repeated.
   */
  startExecStream(execId: string, run: { stdin?: Readable; label: string }): Promise<Readable>;
  inspectExec(execId: string, label: string): Promise<ExecInspect>;
  /** `POST /containers/{id}/update`: the container's memory and CPU limits, in place. */
  updateContainerResources(id: string, name: string, resources: ContainerResources): Promise<void>;
  /** Removals, each done when the resource is already gone. A container goes with its anonymous volumes. */
  removeContainer(id: string, name: string): Promise<void>;
  removeNetwork(id: string, name: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
}
