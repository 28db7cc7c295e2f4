// Deploying a tenant's stack through Portainer: look it up, create it if missing (a 409 meaning
// "it exists": adopted if ours), and bring an existing one to "every service running" whatever
// state it is in. Both deployment models are handled from the answers themselves: status 1 (sync,
// up to 2.39) is done, status 3 (async, newest) is polled until 1, or 4 with its reason.
import { projectContainers } from "../engine-api/containers.ts";
import { DriverError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { StackSpec } from "../stack-spec.ts";
import type { DockerProxy } from "./docker-proxy.ts";
import type { Environment } from "./environment.ts";
import { deployFailure, PortainerApiError, PortainerUnreachableError } from "./errors.ts";
import { madeForSpec, notOursError } from "./names.ts";
import { STACK_STATUS, type Stack } from "./schemas.ts";
import { failureMessage } from "./stacks.ts";

/** What converge brings a stack to, and with which compose text. */
export interface ConvergeTarget {
  services: readonly string[];
  /** The file Portainer holds: used to recreate missing containers of an active stack. */
  stored: string;
  /** What to deploy when the last deployment failed (the spec on deploy, the stored file on start). */
  fresh: string;
  secrets: readonly string[];
}

export async function deployStack(
  env: Environment,
  spec: StackSpec,
  secrets: readonly string[],
  logger: OrchestratorLogger | undefined,
  signal?: AbortSignal,
): Promise<void> {
  let stack = await env.stacks.find(spec.project, signal);
  if (!stack) {
    const outcome = await createOrAdopt(env, spec, secrets, logger, signal);
    if (outcome.created) {
      await settled(env, outcome.stack, secrets, signal);
      return;
    }
    stack = outcome.stack;
  }
  const stored = await env.stacks.file(stack);
  if (!madeForSpec(stored, spec)) throw notOursError(spec.project, env.id, "adopt");
  await converge(env, stack, { services: spec.services.map((s) => s.name), stored, fresh: spec.composeText, secrets }, signal);
}

async function allRunning(proxy: DockerProxy, project: string, services: readonly string[]): Promise<boolean> {
  const containers = await projectContainers(proxy, project);
  return services.length > 0 && services.every((service) => containers.some((c) => c.service === service && c.state === "running"));
}

/** The stack after any deployment it is in has ended; a failed one is thrown. */
async function settled(env: Environment, stack: Stack, secrets: readonly string[], signal?: AbortSignal): Promise<Stack> {
  const done = await env.stacks.settle(stack, signal);
  if (done.Status === STACK_STATUS.error) throw deployFailure(stack.Name, failureMessage(done), secrets);
  return done;
}

/** A compose up (create or update) refused with a 500 carries compose's own error: a deploy failure. */
function composeFailure(project: string, err: unknown, secrets: readonly string[]): unknown {
  if (err instanceof PortainerApiError && err.status === 500 && !/^Unable to /i.test(err.portainerMessage)) {
    return deployFailure(project, err.portainerMessage, secrets);
  }
  return err;
}

async function redeploy(env: Environment, stack: Stack, composeText: string, secrets: readonly string[], signal?: AbortSignal): Promise<Stack> {
  try {
    return await settled(env, await env.stacks.update(stack, composeText, secrets, signal), secrets, signal);
  } catch (err) {
    throw composeFailure(stack.Name, err, secrets);
  }
}

/**
 * Brings an existing stack of ours to "every service running": a deployment under way is waited
 * for, a failed one redeployed (target.fresh), a stopped stack started; missing containers of an
 * active stack are recreated from the stored file, so a running tenant is never changed behind
 * the job engine's back.
 */
export async function converge(
  env: Environment,
  stack: Stack,
  target: { services: readonly string[]; stored: string; fresh: string; secrets: readonly string[] },
  signal?: AbortSignal,
): Promise<void> {
  let current = stack;
  for (let round = 0; round < 4; round++) {
    signal?.throwIfAborted();
    switch (current.Status) {
      case STACK_STATUS.deploying:
        current = await settled(env, current, target.secrets, signal);
        break;
      case STACK_STATUS.error:
        current = await redeploy(env, current, target.fresh, target.secrets, signal);
        break;
      case STACK_STATUS.inactive:
        try {
          current = await settled(env, await env.stacks.start(current, signal), target.secrets, signal);
        } catch (err) {
          // Containers with the project label exist although the stack is stopped (started by
          // hand, or left over): compose up through an update adopts them (reference §11.8).
          if (!(err instanceof PortainerApiError && err.status === 409 && /already running/i.test(err.portainerMessage))) throw err;
          current = await redeploy(env, current, target.stored, target.secrets, signal);
        }
        break;
      case STACK_STATUS.active:
        // Up to 2.39 Portainer never re-checks "active" against Docker (reference §4).
        if (await allRunning(env.proxy, current.Name, target.services)) return;
        if (round > 0) {
          throw new DriverError(
            `Stack ${current.Name} is active in Portainer but not every service has a running container (${target.services.join(", ")}). ` +
              `Read the containers' logs; the job will retry.`,
            { transient: true },
          );
        }
        current = await redeploy(env, current, target.stored, target.secrets, signal);
        break;
      default:
        throw new DriverError(`Stack ${current.Name} has status ${current.Status}, which Tenantry does not know. Check it in Portainer.`, {
          transient: false,
        });
    }
  }
  throw new DriverError(`Stack ${stack.Name} did not settle in Portainer; the job will retry.`, { transient: true });
}

/** Creates the stack; a 409 (it exists, e.g. our own earlier create whose answer was lost) adopts it. */
async function createOrAdopt(
  env: Environment,
  spec: StackSpec,
  secrets: readonly string[],
  logger: OrchestratorLogger | undefined,
  signal?: AbortSignal,
): Promise<{ stack: Stack; created: boolean }> {
  // Up to 2.39 Portainer records a stack only once compose up has finished, and containers do
  // not block a create: creating now, while another create's containers are being made, would
  // give two stacks for one project.
  if ((await projectContainers(env.proxy, spec.project)).length > 0) {
    throw new DriverError(
      `Containers of ${spec.project} exist on environment ${env.id} but Portainer has no stack for them: a deployment may still be ` +
        `running (Portainer up to 2.39 records a stack only when it has finished), or they are leftovers. The job will retry; ` +
        `if this lasts, remove those containers.`,
      { transient: true },
    );
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return { stack: await env.stacks.create(spec.project, spec.composeText, secrets, signal), created: true };
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 409) {
        const existing = await env.stacks.find(spec.project, signal);
        if (!existing) {
          throw new DriverError(
            `Portainer says a stack named ${spec.project} already exists, but does not show it to Tenantry's user. ` +
              `Give that user administrator rights, or delete that stack in Portainer.`,
            { transient: false },
          );
        }
        logger?.info("the stack already exists in Portainer; adopting it", { stack: spec.project, stackId: existing.Id, attempt });
        return { stack: existing, created: false };
      }
      // The connection closed with no answer: the create may have arrived. Sending it again is
      // safe, since Portainer answers 409 if it did. A timeout or a gateway error may mean it is
      // still running, so the job retries later instead (and looks the stack up first).
      if (err instanceof PortainerUnreachableError && err.failure === "lost" && attempt === 1) {
        logger?.warn("the answer to creating a stack was lost; sending it again (Portainer answers 409 if it arrived)", { stack: spec.project });
        continue;
      }
      throw composeFailure(spec.project, err, secrets);
    }
  }
}
