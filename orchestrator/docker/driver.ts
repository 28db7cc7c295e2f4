// The StackDriver over the Docker Engine API (dockerode): creates each network, volume and
// container of a StackSpec itself, in the spec's order, instead of running compose.
//
// What callers can rely on:
// - deploy is "inspect, then create if missing" for every resource; an existing container of the
//   project is kept unchanged even if the spec now differs (see ensureContainer), and a resource
//   with the stack's name owned by another project fails the deploy (never adopted).
// - Every image is checked before anything is created, so ImageMissingError leaves nothing behind.
// - deploy waits, before starting a service, for its depends_on conditions; it does not wait for
//   the last services' own health (the job engine's readiness steps do).
// - start(project) needs no spec: containers carry their deploy order and depends_on as labels
//   (../engine-api/labels.ts) and are started in that order, with the same waits.
// - Reading the engine (status, logs, exec, usage, disk, ports, inventory) and removing a project are the read side
//   shared with the Portainer driver (../engine-api/), here over the socket (engine.ts).
import type Dockerode from "dockerode";
import { systemClock, type Clock } from "../clock.ts";
import type { ContainerResources, ExecOptions, ExecStreamOptions, StackDriver } from "../driver.ts";
import { projectContainers, removeProjectResources, runningServiceContainer } from "../engine-api/containers.ts";
import { projectDiskUsage } from "../engine-api/disk.ts";
import { runExec } from "../engine-api/exec.ts";
import { runExecStream } from "../engine-api/exec-stream.ts";
import { engineInventory } from "../engine-api/inventory.ts";
import { decodeDependsOn, DRIVER_LABELS } from "../engine-api/labels.ts";
import { serviceLogs } from "../engine-api/logs.ts";
import { publishedPorts } from "../engine-api/ports.ts";
import { containerSecrets, secretValues } from "../engine-api/secrets.ts";
import { updateProjectResources } from "../engine-api/resources.ts";
import { projectStatus } from "../engine-api/status.ts";
import { projectUsage } from "../engine-api/usage.ts";
import { DriverError } from "../errors.ts";
import type { ServiceSpec, StackSpec } from "../stack-spec.ts";
import { ensureContainer, startContainer, stopContainer } from "./containers.ts";
import { dockerEngineApi } from "./engine.ts";
import { waitForDependency } from "./health.ts";
import { ensureImage } from "./images.ts";
import { ensureNetwork } from "./networks.ts";
import { checkSpec } from "./spec-checks.ts";
import { ensureVolume } from "./volumes.ts";

export interface DockerDriverOptions {
  /** The engine client, configured by the caller (socket path or host, request timeout). */
  docker: Dockerode;
  /** Time for waits; the system clock by default. */
  clock?: Clock;
  /** Bound on pulling an image absent from the engine; 0 never pulls. Default 120 s. */
  pullTimeoutMs?: number;
  /** Bound on waiting for one depends_on condition. Default 180 s. */
  healthTimeoutMs?: number;
  /** How often a dependency's state is read while waiting. Default 500 ms. */
  pollIntervalMs?: number;
  /** Grace period given to a container on stop before SIGKILL (PostgreSQL needs a few seconds). Default 20 s. */
  stopTimeoutSeconds?: number;
  /** Bound on one exec. Default 120 s. */
  execTimeoutMs?: number;
}

export function createDockerDriver(options: DockerDriverOptions): StackDriver {
  const { docker } = options;
  // Everything read from the engine goes through the read side shared with Portainer.
  const engine = dockerEngineApi(docker);
  const clock = options.clock ?? systemClock;
  const pullTimeoutMs = options.pullTimeoutMs ?? 120_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 180_000;
  const pollMs = options.pollIntervalMs ?? 500;
  const stopTimeoutSeconds = options.stopTimeoutSeconds ?? 20;
  const execTimeoutMs = options.execTimeoutMs ?? 120_000;

  async function waitForDependencies(
    project: string,
    service: string,
    dependsOn: ServiceSpec["dependsOn"],
    secrets: readonly string[],
    signal?: AbortSignal,
  ): Promise<void> {
    for (const dep of dependsOn) {
      await waitForDependency(engine, {
        project,
        dependent: service,
        dependency: dep.service,
        condition: dep.condition,
        timeoutMs: healthTimeoutMs,
        pollMs,
        clock,
        secrets,
        ...(signal ? { signal } : {}),
      });
    }
  }

  return {
    kind: "docker",

    ping: () => engine.ping(),

    async deploy(spec: StackSpec, deployOptions?: { signal?: AbortSignal }) {
      const signal = deployOptions?.signal;
      signal?.throwIfAborted();
      checkSpec(spec);
      const secrets = secretValues(spec);
      for (const image of new Set(spec.services.map((s) => s.image))) {
        signal?.throwIfAborted();
        await ensureImage(docker, image, { pullTimeoutMs, ...(signal ? { signal } : {}) });
      }
      for (const network of spec.networks) {
        signal?.throwIfAborted();
        await ensureNetwork(docker, spec.project, network);
      }
      for (const volume of spec.volumes) {
        signal?.throwIfAborted();
        await ensureVolume(docker, spec.project, volume);
      }
      for (const [index, service] of spec.services.entries()) {
        signal?.throwIfAborted();
        const id = await ensureContainer(docker, spec.project, service, index, secrets);
        await waitForDependencies(spec.project, service.name, service.dependsOn, secrets, signal);
        signal?.throwIfAborted();
        await startContainer(docker, id, service.containerName);
      }
    },

    async stop(project: string) {
      // Dependents first, so that the app never sees its database vanish under a live request.
      const containers = (await projectContainers(engine, project)).reverse();
      for (const c of containers) {
        if (c.state === "exited" || c.state === "created" || c.state === "dead") continue;
        await stopContainer(docker, c.id, c.name, stopTimeoutSeconds);
      }
    },

    async start(project: string) {
      const containers = await projectContainers(engine, project);
      if (containers.length === 0) {
        throw new DriverError(`Project ${project} has no container to start; deploy the stack again to recreate it.`, {
          transient: false,
        });
      }
      const secrets = await containerSecrets(engine, containers);
      for (const c of containers) {
        await waitForDependencies(project, c.service, decodeDependsOn(c.labels[DRIVER_LABELS.dependsOn]), secrets);
        await startContainer(docker, c.id, c.name);
      }
    },

    remove: (project: string, removeOptions: { removeVolumes: boolean }) => removeProjectResources(engine, project, removeOptions),
    status: (project: string) => projectStatus(engine, project),
    logs: (project: string, service: string, logOptions?: { tail?: number }) => serviceLogs(engine, project, service, logOptions?.tail ?? 100),

    async exec(project: string, service: string, execOptions: ExecOptions) {
      const c = await runningServiceContainer(engine, project, service);
      return runExec(engine, c, execOptions, { timeoutMs: execTimeoutMs, clock });
    },

    async execStream(project: string, service: string, streamOptions: ExecStreamOptions) {
      const c = await runningServiceContainer(engine, project, service);
      return runExecStream(engine, c, streamOptions, { clock });
    },

    updateResources: (project: string, resources: ContainerResources) => updateProjectResources(engine, project, resources),
    publishedPorts: () => publishedPorts(engine),
    usage: (project: string) => projectUsage(engine, project),
    diskUsage: (project: string) => projectDiskUsage(engine, project),
    inventory: () => engineInventory(engine),
  };
}
