// The one interface every way of running stacks implements: the Docker Engine API (dockerode)
// and Portainer. Every operation is idempotent ("inspect, then create if missing"; removing what is
// already gone succeeds), so the job engine can retry any of them after a crash.
import type { Readable } from "node:stream";
import type { StackSpec } from "./stack-spec.ts";

export type ContainerState = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
export type ContainerHealth = "starting" | "healthy" | "unhealthy" | "none";

export interface ContainerStatus {
  service: string;
  containerName: string;
  state: ContainerState;
  health: ContainerHealth;
  ports: { hostIp: string; hostPort: number; containerPort: number }[];
}

/** Resource use of one container, sampled once. */
export interface ContainerUsage {
  service: string;
  memoryBytes: number;
  memoryLimitBytes: number;
  /** Share of one CPU, in percent, since the previous sample the engine keeps. */
  cpuPercent: number;
}

export interface StackStatus {
  project: string;
  /** False when no container, network or volume of the project exists. */
  exists: boolean;
  containers: ContainerStatus[];
}

/** Resource limits applied to each container of a stack (a plan's limits, issue 12). */
export interface ContainerResources {
  /** Memory limit in bytes (HostConfig.Memory). */
  memoryBytes: number;
  /** CPU limit in billionths of a CPU (HostConfig.NanoCpus). */
  nanoCpus: number;
}

/** A container, network or volume on the engine carrying Tenantry's ownership label. */
export interface EngineResource {
  kind: "container" | "network" | "volume";
  name: string;
  /** The compose project label ("client-<slug>"); null when absent. */
  project: string | null;
  /** The io.tenantry.tenant-id label; null when absent. */
  tenantId: string | null;
  /** The compose service label (containers); null otherwise. */
  service: string | null;
  /** The engine's state word for a container ("running", "exited"…); null for networks and volumes. */
  state: string | null;
}

/** Everything of Tenantry's on the engine, read at one time (for the reconciler). */
export interface EngineInventory {
  resources: EngineResource[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  command: string[];
  /** Written to the process's standard input, then closed: the way to pass secrets. */
  stdin?: string;
  user?: string;
  env?: Record<string, string>;
}

export interface ExecStreamOptions {
  command: string[];
  user?: string;
  /**
   * Streamed to the process's standard input, then closed (a restore's dump). Through Portainer it
   * is handed over as files in the container first (portainer/exec.ts).
   */
  stdin?: Readable;
}

/** A command's output as it comes: stdout streamed (never held whole), stderr kept (its end). */
export interface ExecStream {
  stdout: Readable;
  /** Settles once the output has ended and the engine has the exit code. */
  done: Promise<{ exitCode: number; stderr: string }>;
}

export interface StackDriver {
  readonly kind: "docker" | "portainer";
  /** Throws EngineUnavailableError when the engine does not answer. */
  ping(): Promise<void>;
  /**
   * Creates whatever of the stack is missing (networks, volumes, containers), starts its
   * containers in dependency order, waiting for `service_healthy` dependencies, and returns once
   * every container is started. Existing resources with the same names are kept.
   */
  deploy(spec: StackSpec, options?: { signal?: AbortSignal }): Promise<void>;
  /** Stops every container of the project (suspend). Data is kept. */
  stop(project: string): Promise<void>;
  /** Starts the project's stopped containers again (resume). */
  start(project: string): Promise<void>;
  /** Removes containers and networks of the project and, with removeVolumes, its volumes. */
  remove(project: string, options: { removeVolumes: boolean }): Promise<void>;
  status(project: string): Promise<StackStatus>;
  /** The last lines of a service's logs (stdout and stderr interleaved). */
  logs(project: string, service: string, options?: { tail?: number }): Promise<string>;
  /** Runs a command in a service's running container. */
  exec(project: string, service: string, options: ExecOptions): Promise<ExecResult>;
  /** Runs a command in a service's running container, its output streamed (dumps of any size). */
  execStream(project: string, service: string, options: ExecStreamOptions): Promise<ExecStream>;
  /** Memory and CPU use of the project's running containers (optional: not every driver can). */
  usage?(project: string): Promise<ContainerUsage[]>;
  /** Bytes used by the project's volumes; null when the engine cannot tell (optional). */
  diskUsage?(project: string): Promise<number | null>;
  /**
   * Sets the memory and CPU limits of every existing container of the project, in place (no
   * restart); a project without containers (not deployed, or stopped through Portainer) is left
   * as it is. Returns how many containers were updated.
   */
  updateResources(project: string, resources: ContainerResources): Promise<number>;
  /** Host ports already published by any container on the engine (ours or not). */
  publishedPorts(): Promise<Set<number>>;
  /** Every container, network and volume on the engine carrying our ownership label, any project. */
  inventory(): Promise<EngineInventory>;
}
