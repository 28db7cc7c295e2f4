// The StackDriver over Portainer's HTTP API: each tenant is an ordinary Portainer compose stack
// ("client-<slug>") on one Docker environment, created from the fully rendered compose text;
// status, logs, exec and usage are read through Portainer's Docker proxy with the read side shared
// with the Docker driver (../engine-api/). See README.md in this folder for
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
import { systemClock, type Clock } from "../clock.ts";
import type { ExecOptions, ExecStreamOptions, StackDriver, StackStatus } from "../driver.ts";
import { removeProjectResources, runningServiceContainer } from "../engine-api/containers.ts";
import { projectDiskUsage } from "../engine-api/disk.ts";
import { engineInventory } from "../engine-api/inventory.ts";
import { serviceLogs } from "../engine-api/logs.ts";
import { publishedPorts } from "../engine-api/ports.ts";
import { secretValues } from "../engine-api/secrets.ts";
import { updateProjectResources } from "../engine-api/resources.ts";
import { projectStatus } from "../engine-api/status.ts";
import { projectUsage } from "../engine-api/usage.ts";
import { DriverError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import { PortainerClient } from "./client.ts";
import { converge, deployStack } from "./deploy.ts";
import { describeChoice, resolveEnvironment, type Environment, type EnvironmentChoice } from "./environment.ts";
import { PortainerApiError } from "./errors.ts";
import { runExecStreamThroughProxy, runExecThroughProxy } from "./exec.ts";
import { assertStackName, madeByTenantry, notOursError, servicesOf } from "./names.ts";
import { STACK_STATUS, type Stack } from "./schemas.ts";
import type { PortainerCredentials } from "./session.ts";

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
      await (await environment()).proxy.ping();
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
      // What compose down did not remove (containers made outside the stack with its label), and
      // the named volumes, which Portainer keeps on delete (reference §6.9): the tenant's data.
      await removeProjectResources(env.proxy, project, removeOptions);
    },

    async status(project): Promise<StackStatus> {
      const env = await environment();
      const status = await projectStatus(env.proxy, project);
      // A stopped stack has no container left (stop is compose down) but still exists.
      return status.exists ? status : { ...status, exists: (await env.stacks.find(project)) !== null };
    },

    async logs(project, service, logOptions) {
      return serviceLogs((await environment()).proxy, project, service, logOptions?.tail ?? 100);
    },

    async exec(project, service, execOptions: ExecOptions) {
      const env = await environment();
      const c = await runningServiceContainer(env.proxy, project, service);
      return runExecThroughProxy(env.proxy, c, execOptions, execLimits);
    },

    async execStream(project, service, streamOptions: ExecStreamOptions) {
      const env = await environment();
      const c = await runningServiceContainer(env.proxy, project, service);
      return runExecStreamThroughProxy(env.proxy, c, streamOptions, execLimits);
    },

    async usage(project) {
      return projectUsage((await environment()).proxy, project);
    },

    // In place through the Docker proxy. The stack file Portainer keeps is not rewritten: a stack
    // stopped (compose down) then started again from it gets the limits it was deployed with.
    async updateResources(project, resources) {
      return updateProjectResources((await environment()).proxy, project, resources);
    },

    async publishedPorts() {
      return publishedPorts((await environment()).proxy);
    },

    async diskUsage(project) {
      return projectDiskUsage((await environment()).proxy, project);
    },

    // Found on the environment's engine by label, as the Docker driver finds them: a stopped
    // stack (compose down) has no container left there, only its volume.
    async inventory() {
      return engineInventory((await environment()).proxy);
    },
  };
}
