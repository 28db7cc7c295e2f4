// Portainer's stack routes for one environment (reference §6), each with the query and body
// Portainer expects: `endpointId` on every call (without it, ≤2.18 silently re-points a stack to
// environment 0), an empty `Env` (the compose text is fully rendered; Portainer's Env only feeds
// ${VAR} interpolation and is replaced wholesale by every update), and long timeouts on deploys
// (up to 2.39 they block until compose has finished, image pulls included). A deploy call, once
// sent, is never cut short by the job's abort: the job waits for Portainer's answer (bounded by
// that long timeout) and only then reports the abort, so that no cleanup runs while Portainer is
// still deploying (it would remove what compose is creating, and the stack would come back after).
import type { Clock } from "../clock.ts";
import { DriverError } from "../errors.ts";
import type { Call, PortainerClient } from "./client.ts";
import { PortainerApiError } from "./errors.ts";
import { stack as stackSchema, stackFile, stacks as stacksSchema, STACK_STATUS, type Stack } from "./schemas.ts";

const COMPOSE_STACK = 2;

export interface StackTiming {
  clock: Clock;
  /** Bound on one deployment: a sync create/update/start call, or polling an async one. */
  deployTimeoutMs: number;
  /** Polling interval while a stack is deploying (status 3). */
  pollIntervalMs: number;
}

export class StackApi {
  constructor(
    private readonly client: PortainerClient,
    readonly endpointId: number,
    private readonly timing: StackTiming,
  ) {}

  /** The environment's compose stack with this name (Portainer has no name filter: reference §6.1). */
  async find(name: string, signal?: AbortSignal): Promise<Stack | null> {
    const all = await this.client.json(stacksSchema, {
      path: "/api/stacks",
      query: { filters: JSON.stringify({ EndpointID: this.endpointId }) },
      action: `looking for stack ${name}`,
      ...(signal ? { signal } : {}),
    });
    const matches = all.filter((s) => s.EndpointId === this.endpointId && s.Type === COMPOSE_STACK && s.Name.toLowerCase() === name);
    if (matches.length > 1) {
      throw new DriverError(
        `Portainer has ${matches.length} stacks named ${name} on environment ${this.endpointId} (ids ${matches.map((s) => s.Id).join(", ")}). ` +
          `Delete the extra ones in Portainer, keeping the one whose containers run.`,
        { transient: false },
      );
    }
    return matches[0] ?? null;
  }

  async get(id: number, signal?: AbortSignal): Promise<Stack | null> {
    try {
      return await this.client.json(stackSchema, { path: `/api/stacks/${id}`, action: `reading stack ${id}`, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) return null;
      throw err;
    }
  }

  async file(stack: Stack): Promise<string> {
    const answer = await this.client.json(stackFile, { path: `/api/stacks/${stack.Id}/file`, action: `reading the compose file of stack ${stack.Name}` });
    return answer.StackFileContent;
  }

  /** Success is always 200 with the stack: status 1 (sync) or 3 (async, still deploying). */
  create(name: string, composeText: string, secrets: readonly string[], signal?: AbortSignal): Promise<Stack> {
    return this.#deployment(
      {
        method: "POST",
        path: "/api/stacks/create/standalone/string",
        query: { endpointId: this.endpointId },
        json: { Name: name, StackFileContent: composeText, Env: [] },
        action: `creating stack ${name}`,
        secrets,
      },
      signal,
    );
  }

  /** Compose up with this file; on a stack in error (status 4) Portainer first takes it down. */
  update(stack: Stack, composeText: string, secrets: readonly string[], signal?: AbortSignal): Promise<Stack> {
    return this.#deployment(
      {
        method: "PUT",
        path: `/api/stacks/${stack.Id}`,
        query: { endpointId: this.endpointId },
        json: { StackFileContent: composeText, Env: [], Prune: false, PullImage: false },
        action: `redeploying stack ${stack.Name}`,
        secrets,
      },
      signal,
    );
  }

  start(stack: Stack, signal?: AbortSignal): Promise<Stack> {
    return this.#deployment(
      { method: "POST", path: `/api/stacks/${stack.Id}/start`, query: { endpointId: this.endpointId }, action: `starting stack ${stack.Name}` },
      signal,
    );
  }

  /**
   * A call that deploys (create, update, start). Not sent once the job is aborted; once sent, it
   * runs to Portainer's answer whatever the job's signal does (up to 2.39 Portainer deploys until
   * compose has finished, whether or not anyone still listens), bounded by deployTimeoutMs. An
   * abort meanwhile is reported after the answer, with the stack in its final state for cleanup.
   */
  async #deployment(call: Omit<Call, "signal" | "timeoutMs">, signal?: AbortSignal): Promise<Stack> {
    signal?.throwIfAborted();
    const answer = await this.client.json(stackSchema, { ...call, timeoutMs: this.timing.deployTimeoutMs }).then(
      (stack) => ({ stack }),
      (error: unknown) => ({ error }),
    );
    signal?.throwIfAborted();
    if ("error" in answer) throw answer.error;
    return answer.stack;
  }

  /** Portainer's stop is `compose down`: the containers and networks are removed, volumes kept. */
  stop(stack: Stack): Promise<Stack> {
    return this.client.json(stackSchema, {
      method: "POST",
      path: `/api/stacks/${stack.Id}/stop`,
      query: { endpointId: this.endpointId },
      action: `stopping stack ${stack.Name}`,
      timeoutMs: this.timing.deployTimeoutMs,
    });
  }

  /** `compose down` and the record: 204. Named volumes are kept (there is no parameter to remove them). */
  async delete(stack: Stack): Promise<void> {
    try {
      await this.client.send({
        method: "DELETE",
        path: `/api/stacks/${stack.Id}`,
        query: { endpointId: this.endpointId },
        idempotent: true,
        action: `deleting stack ${stack.Name}`,
        timeoutMs: this.timing.deployTimeoutMs,
      });
    } catch (err) {
      if (err instanceof PortainerApiError && err.status === 404) return; // already gone
      throw err;
    }
  }

  /** Polls a deploying stack (status 3, async versions) until it is active (1) or failed (4). */
  async settle(stack: Stack, signal?: AbortSignal): Promise<Stack> {
    const deadline = this.timing.clock.now().getTime() + this.timing.deployTimeoutMs;
    let current = stack;
    while (current.Status === STACK_STATUS.deploying) {
      if (this.timing.clock.now().getTime() >= deadline) {
        throw new DriverError(
          `Stack ${stack.Name} is still deploying in Portainer after ${Math.round(this.timing.deployTimeoutMs / 60_000)} minutes. ` +
            `The job will look again; if it stays so, check the stack in Portainer.`,
          { transient: true },
        );
      }
      await this.timing.clock.sleep(this.timing.pollIntervalMs, signal);
      const next = await this.get(stack.Id, signal);
      if (!next) {
        throw new DriverError(`Stack ${stack.Name} disappeared from Portainer while it was deploying (deleted meanwhile?). The job will retry.`, {
          transient: true,
        });
      }
      current = next;
    }
    return current;
  }
}

/** Why an async deployment failed: the message of its last status-4 entry. */
export function failureMessage(stack: Stack): string {
  const entries = stack.DeploymentStatus ?? [];
  const failed = [...entries].reverse().find((entry) => entry.Status === STACK_STATUS.error && entry.Message);
  return failed?.Message ?? "Portainer reports the deployment as failed (status 4) without a message";
}
