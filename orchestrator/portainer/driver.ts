// The StackDriver over Portainer's HTTP API: each tenant is an ordinary Portainer compose stack
// ("client-<slug>") on one Docker environment, created from the fully rendered compose text;
// health, logs and exec go through Portainer's Docker proxy. See README.md in this folder for
// why it is shaped this way, and ../../docs/portainer-api.md for the API itself.
//
// What callers can rely on (the same contract as the Docker driver, with Portainer's semantics):
// - deploy is "look up, then create if missing": an existing stack made by Tenantry for the same
//   tenant is adopted and brought to running (started, redeployed from its stored file if
//   containers went missing, or redeployed with the spec if its last deployment failed); a stack
//   with the name that Tenantry did not make for this tenant fails the deploy (never adopted).
// - A 409 on create means the stack exists: it is looked up and adopted, so repeating a create
//   whose answer was lost is safe. Sync (≤2.39) and async (status 3, then 1 or 4) deployments
//   are both handled; a failure is reported with Portainer's message.
// - stop is Portainer's stop, i.e. `compose down`: containers and networks are removed, volumes
//   kept. start and a later deploy recreate the containers from the stored file.
// - remove deletes the stack (Portainer keeps named volumes), then removes what is left with the
//   project label and, if asked, the volumes, through the Docker proxy.
import type { ContainerHealth, ContainerState, ContainerStatus, ExecOptions, StackDriver, StackStatus } from "../driver.ts";
import { DriverError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
// Which environment values are secrets is the same question for both drivers.
import { secretValues } from "../docker/secrets.ts";
import { systemClock, type Clock } from "../clock.ts";
import { PortainerClient } from "./client.ts";
import { converge, deployStack } from "./deploy.ts";
import type { DockerProxy, ProjectContainer } from "./docker-proxy.ts";
import { describeChoice, resolveEnvironment, type Environment, type EnvironmentChoice } from "./environment.ts";
import { PortainerApiError } from "./errors.ts";
import { runExec } from "./exec.ts";
import { assertStackName, madeByTenantry, notOursError, servicesOf } from "./names.ts";
import { STACK_STATUS, type Stack } from "./schemas.ts";
import type { PortainerCredentials } from "./session.ts";
import { demultiplex } from "./stream.ts";
import { projectUsage } from "./usage.ts";

export type { PortainerCredentials } from "./session.ts";

export interface PortainerDriverOptions {
  /** Portainer's address, e.g. https://portainer.example.com. */
  url: string;
  /** An admin's API key (preferred), or an admin's username and password. */
  credentials: PortainerCredentials;
  /** The Docker environment tenants run on, by id or by its exact name. */
  environment: EnvironmentChoice;
  clock?: Clock;
  logger?: OrchestratorLogger;
  /** Bound on one ordinary request. Default 60 s. */
  requestTimeoutMs?: number;
  /** Bound on one deployment (a blocking sync call, or polling an async one). Default 16 min. */
  deployTimeoutMs?: number;
  /** Polling interval while a stack deploys (status 3). Default 2 s. */
  pollIntervalMs?: number;
  /** Attempts of a request that may be repeated when Portainer does not answer. Default 3. */
  attempts?: number;
  /** Delay before the second of those attempts, doubling. Default 500 ms. */
  retryDelayMs?: number;
  /** Bound on one exec. Default 120 s. */
  execTimeoutMs?: number;
}

export interface PortainerDriver extends StackDriver {
  /** "portainer at <url> (environment <id or name>)", for the operator. */
  readonly description: string;
}

const STATES: readonly ContainerState[] = ["created", "running", "paused", "restarting", "removing", "exited", "dead"];
const HEALTHS: readonly ContainerHealth[] = ["starting", "healthy", "unhealthy"];

export function createPortainerDriver(options: PortainerDriverOptions): PortainerDriver {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const client = new PortainerClient({
    url: options.url,
    credentials: options.credentials,
    clock,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.attempts !== undefined ? { attempts: options.attempts } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(logger ? { logger } : {}),
  });
  const timing = { clock, deployTimeoutMs: options.deployTimeoutMs ?? 16 * 60_000, pollIntervalMs: options.pollIntervalMs ?? 2_000 };
  const execLimits = { timeoutMs: options.execTimeoutMs ?? 120_000, clock };
  const wanted = describeChoice(options.environment);
  let resolving: Promise<Environment> | undefined;

  // Resolved once and shared; a failure (Portainer down, wrong id) is tried again next time.
  function environment(): Promise<Environment> {
    resolving ??= resolveEnvironment(client, options.environment, timing, logger).catch((err: unknown) => {
      resolving = undefined;
      throw err;
    });
    return resolving;
  }

  async function serviceContainer(proxy: DockerProxy, project: string, service: string): Promise<ProjectContainer> {
    const [container] = await proxy.projectContainers(project, service);
    if (!container) {
      throw new DriverError(`Project ${project} has no container for service "${service}"; deploy the stack first.`, { transient: false });
    }
    return container;
  }

  async function ownStack(env: Environment, project: string, action: string): Promise<{ stack: Stack; stored: string } | null> {
    const stack = await env.stacks.find(project);
    if (!stack) return null;
    const stored = await env.stacks.file(stack);
    if (!madeByTenantry(stored)) throw notOursError(project, env.id, action);
    return { stack, stored };
  }

  return {
    kind: "portainer",
    description: `portainer at ${client.target} (${wanted})`,

    async ping() {
      const env = await environment();
      await client.send(env.proxy.call("/_ping", { action: `pinging the Docker engine of environment ${env.id}` }));
    },

    async deploy(spec, deployOptions) {
      const signal = deployOptions?.signal;
      signal?.throwIfAborted();
      assertStackName(spec.project);
      await deployStack(await environment(), spec, secretValues(spec), logger, signal);
    },

    async stop(project) {
      const env = await environment();
      const own = await ownStack(env, project, "stop");
      if (!own) return; // nothing of that name runs in Portainer
      let { stack } = own;
      if (stack.Status === STACK_STATUS.deploying) stack = await env.stacks.settle(stack);
      if (stack.Status === STACK_STATUS.inactive) return;
      try {
        await env.stacks.stop(stack);
      } catch (err) {
        if (err instanceof PortainerApiError && err.status === 400 && /already inactive/i.test(err.portainerMessage)) return;
        throw err;
      }
    },

    async start(project) {
      const env = await environment();
      const own = await ownStack(env, project, "start");
      if (!own) {
        throw new DriverError(`Portainer has no stack ${project} on environment ${env.id} to start; deploy the stack again to recreate it.`, {
          transient: false,
        });
      }
      await converge(env, own.stack, { services: servicesOf(own.stored), stored: own.stored, fresh: own.stored, secrets: [] });
    },

    async remove(project, removeOptions) {
      const env = await environment();
      const own = await ownStack(env, project, "delete");
      if (own) {
        // A deployment still running would recreate what the delete removes.
        const stack = own.stack.Status === STACK_STATUS.deploying ? await env.stacks.settle(own.stack) : own.stack;
        await env.stacks.delete(stack);
      }
      // What compose down did not remove: containers made outside the stack with its label.
      for (const c of await env.proxy.projectContainers(project)) await env.proxy.remove("containers", c.id, c.name, { force: true, v: true });
      for (const n of await env.proxy.projectNetworks(project)) await env.proxy.remove("networks", n.id, n.name);
      // Portainer keeps named volumes on delete (reference §6.9): the tenant's data goes here.
      if (removeOptions.removeVolumes) {
        for (const volume of await env.proxy.projectVolumes(project)) await env.proxy.remove("volumes", volume, volume);
      }
    },

    async status(project): Promise<StackStatus> {
      const env = await environment();
      const containers: ContainerStatus[] = [];
      for (const c of await env.proxy.projectContainers(project)) {
        const info = await env.proxy.inspect(c.id, c.name);
        if (!info) continue;
        const ports: ContainerStatus["ports"] = [];
        for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
          for (const b of bindings ?? []) ports.push({ hostIp: b.HostIp ?? "", hostPort: Number(b.HostPort), containerPort: Number.parseInt(key, 10) });
        }
        containers.push({
          service: c.service,
          containerName: c.name,
          state: STATES.find((s) => s === info.State.Status) ?? "dead",
          health: HEALTHS.find((h) => h === info.State.Health?.Status) ?? "none",
          ports,
        });
      }
      const exists =
        containers.length > 0 ||
        (await env.proxy.projectVolumes(project)).length > 0 ||
        (await env.proxy.projectNetworks(project)).length > 0 ||
        (await env.stacks.find(project)) !== null;
      return { project, exists, containers };
    },

    async logs(project, service, logOptions) {
      const env = await environment();
      const c = await serviceContainer(env.proxy, project, service);
      const raw = await client.bytes(
        env.proxy.call(`/containers/${encodeURIComponent(c.id)}/logs`, {
          query: { stdout: 1, stderr: 1, tail: logOptions?.tail ?? 100 },
          action: `reading logs of container ${c.name}`,
        }),
      );
      return demultiplex(raw).combined;
    },

    async exec(project, service, execOptions: ExecOptions) {
      const env = await environment();
      const c = await serviceContainer(env.proxy, project, service);
      if (c.state !== "running") {
        throw new DriverError(
          `Service "${service}" of ${project} is ${c.state}, not running, so nothing can run in it; start the stack first.`,
          { transient: c.state === "restarting" },
        );
      }
      return runExec(env.proxy, c, execOptions, execLimits);
    },

    async usage(project) {
      return projectUsage((await environment()).proxy, project);
    },

    async publishedPorts() {
      const env = await environment();
      const ports = new Set<number>();
      const containers = await env.proxy.allContainers();
      for (const c of containers) for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
      // A stopped container publishes nothing now but takes its fixed ports back when started.
      for (const c of containers.filter((c) => c.State !== "running")) {
        const info = await env.proxy.inspect(c.Id, c.Id);
        for (const bindings of Object.values(info?.HostConfig.PortBindings ?? {})) {
          for (const b of bindings ?? []) {
            const port = Number(b.HostPort);
            if (Number.isInteger(port) && port > 0) ports.add(port);
          }
        }
      }
      return ports;
    },
  };
}
