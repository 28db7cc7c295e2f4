// Containers of a stack: the mapping from our ServiceSpec to the Engine API's create body, and
// the idempotent create/start/stop the driver composes (listing and removal are shared with the
// Portainer driver: ../engine-api/).
import type Dockerode from "dockerode";
import { DRIVER_LABELS, encodeDependsOn } from "../engine-api/labels.ts";
import type { ServiceSpec } from "../stack-spec.ts";
import { dockerCall, dockerCallIdempotent, dockerCallOrNull, isDockerStatus, translateDockerError } from "./errors.ts";
import { assertOwnedBy, composeContainerLabels } from "./labels.ts";

const NS_PER_MS = 1_000_000;

/**
 * The Engine API body for one service. Only the first network is given here: engines older than
 * API 1.44 (Docker 25) refuse more than one endpoint at create; `ensureContainer` connects the rest.
 */
export function containerCreateBody(project: string, service: ServiceSpec, startOrder: number): Dockerode.ContainerCreateOptions {
  const exposedPorts: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of service.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposedPorts[key] = {};
    (portBindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
  }
  const [firstNetwork] = service.networks;
  const hc = service.healthcheck;
  return {
    name: service.containerName,
    Image: service.image,
    ...(service.command ? { Cmd: service.command } : {}),
    Env: Object.entries(service.environment).map(([key, value]) => `${key}=${value}`),
    Labels: {
      ...service.labels,
      ...composeContainerLabels(project, service.name),
      [DRIVER_LABELS.startOrder]: String(startOrder),
      [DRIVER_LABELS.dependsOn]: encodeDependsOn(service.dependsOn),
    },
    ExposedPorts: exposedPorts,
    ...(hc
      ? {
          Healthcheck: {
            Test: hc.test,
            Interval: hc.intervalMs * NS_PER_MS,
            Timeout: hc.timeoutMs * NS_PER_MS,
            Retries: hc.retries,
            StartPeriod: hc.startPeriodMs * NS_PER_MS,
          },
        }
      : {}),
    HostConfig: {
      PortBindings: portBindings,
      Mounts: service.volumes.map((v) => ({ Type: "volume" as const, Source: v.volume, Target: v.target, ReadOnly: v.readOnly })),
      RestartPolicy: { Name: service.restart },
      ...(service.memoryBytes !== undefined ? { Memory: service.memoryBytes } : {}),
      ...(service.nanoCpus !== undefined ? { NanoCpus: service.nanoCpus } : {}),
      ...(firstNetwork ? { NetworkMode: firstNetwork } : {}),
    },
    ...(firstNetwork ? { NetworkingConfig: { EndpointsConfig: { [firstNetwork]: endpointFor(service) } } } : {}),
  };
}

// Both names resolve on the tenant network, as with compose: the service name ("postgres") and
// the container name ("acme-postgres") that templates use as host names.
function endpointFor(service: ServiceSpec): Dockerode.EndpointSettings {
  return { Aliases: [service.name, service.containerName] };
}

/**
 * Creates the service's container unless one with its name exists, and attaches it to every
 * network of the service. An existing container of the project is kept as it is, even when its
 * image or template-hash label differ from the spec: deploy never replaces a running tenant
 * behind the job engine's back (recreating is a separate, explicit operation still to design).
 * Returns the container's id.
 */
export async function ensureContainer(
  docker: Dockerode,
  project: string,
  service: ServiceSpec,
  startOrder: number,
  secrets: readonly string[],
): Promise<string> {
  const name = service.containerName;
  const inspect = () => docker.getContainer(name).inspect();
  let info = await dockerCallOrNull(`inspecting container ${name}`, inspect);
  if (!info) {
    try {
      await docker.createContainer(containerCreateBody(project, service, startOrder));
    } catch (err) {
      // 409: created meanwhile by a concurrent attempt; checked for ownership below.
      if (!isDockerStatus(err, 409)) throw translateDockerError(err, `creating container ${name}`, secrets);
    }
    info = await dockerCall(`inspecting container ${name}`, inspect);
  }
  assertOwnedBy(project, "container", name, info.Config.Labels);

  const attached = new Set(Object.keys(info.NetworkSettings.Networks ?? {}));
  for (const network of service.networks) {
    if (attached.has(network)) continue;
    await dockerCall(`connecting container ${name} to network ${network}`, () =>
      docker.getNetwork(network).connect({ Container: info.Id, EndpointConfig: endpointFor(service) }),
    );
  }
  return info.Id;
}

/** Starts (or unpauses) a container; one already running is left alone. */
export async function startContainer(docker: Dockerode, id: string, name: string): Promise<void> {
  const container = docker.getContainer(id);
  const info = await dockerCall(`inspecting container ${name}`, () => container.inspect());
  if (info.State.Paused) {
    await dockerCall(`unpausing container ${name}`, () => container.unpause());
    return;
  }
  if (info.State.Running) return;
  await dockerCallIdempotent(`starting container ${name}`, () => container.start(), [304]);
}

export async function stopContainer(docker: Dockerode, id: string, name: string, timeoutSeconds: number): Promise<void> {
  await dockerCallIdempotent(`stopping container ${name}`, () => docker.getContainer(id).stop({ t: timeoutSeconds }), [304, 404]);
}
