// The Portainer environment tenants run on, checked once: Portainer recent enough, credentials
// accepted, the environment found (by id, or by exact name: ids differ between installations,
// reference §3) and of a Docker kind. The stack and Docker-proxy APIs are bound to its id.
import { DriverError } from "../errors.ts";
import type { OrchestratorLogger } from "../logger.ts";
import type { PortainerClient } from "./client.ts";
import { DockerProxy } from "./docker-proxy.ts";
import { endpoint as endpointSchema, endpoints as endpointsSchema, systemStatus, type Endpoint } from "./schemas.ts";
import { StackApi, type StackTiming } from "./stacks.ts";

export interface Environment {
  id: number;
  stacks: StackApi;
  proxy: DockerProxy;
}

export type EnvironmentChoice = { id: number } | { name: string };

// Environment types that run Docker: socket/TCP, agent, edge agent (reference §3).
const DOCKER_ENVIRONMENT_TYPES = new Set([1, 2, 4]);
// /stacks/create/standalone/string exists from 2.19 on.
const OLDEST_SUPPORTED = [2, 19] as const;

export function describeChoice(choice: EnvironmentChoice): string {
  return "id" in choice ? `environment ${choice.id}` : `environment "${choice.name}"`;
}

async function checkVersion(client: PortainerClient): Promise<string> {
  const status = await client.json(systemStatus, { path: "/api/system/status", anonymous: true, action: "reading Portainer's version" });
  const [major = 0, minor = 0] = status.Version.split(".").map(Number);
  if (major < OLDEST_SUPPORTED[0] || (major === OLDEST_SUPPORTED[0] && minor < OLDEST_SUPPORTED[1])) {
    throw new DriverError(
      `Portainer at ${client.target} is version ${status.Version}; Tenantry needs ${OLDEST_SUPPORTED.join(".")} or newer. Upgrade Portainer.`,
      { transient: false },
    );
  }
  return status.Version;
}

async function findEnvironment(client: PortainerClient, choice: EnvironmentChoice): Promise<Endpoint> {
  if ("id" in choice) {
    return client.json(endpointSchema, { path: `/api/endpoints/${choice.id}`, query: { excludeSnapshot: true }, action: `reading ${describeChoice(choice)}` });
  }
  const found = (
    await client.json(endpointsSchema, {
      path: "/api/endpoints",
      query: { name: choice.name, excludeSnapshots: true },
      action: `looking for ${describeChoice(choice)}`,
    })
  ).filter((e) => e.Name === choice.name);
  if (found.length !== 1) {
    throw new DriverError(
      `Portainer at ${client.target} has ${found.length === 0 ? "no" : found.length} environment(s) named "${choice.name}" visible to Tenantry's user. ` +
        `Give Tenantry the exact name shown in Portainer, or the environment's id.`,
      { transient: false, setting: "portainer.environment" },
    );
  }
  return found[0]!;
}

export async function resolveEnvironment(
  client: PortainerClient,
  choice: EnvironmentChoice,
  timing: StackTiming,
  logger?: OrchestratorLogger,
): Promise<Environment> {
  const version = await checkVersion(client);
  const found = await findEnvironment(client, choice);
  if (!DOCKER_ENVIRONMENT_TYPES.has(found.Type)) {
    throw new DriverError(
      `Portainer environment ${found.Id} ("${found.Name}") is not a Docker environment (type ${found.Type}); ` +
        `Tenantry deploys compose stacks and needs one. Choose another environment.`,
      { transient: false },
    );
  }
  logger?.info("tenants run through Portainer", { portainer: client.target, version, environment: found.Name, environmentId: found.Id });
  return { id: found.Id, stacks: new StackApi(client, found.Id, timing), proxy: new DockerProxy(client, found.Id) };
}
