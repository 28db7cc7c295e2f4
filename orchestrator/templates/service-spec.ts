// One compose service, its variables already substituted, converted to our ServiceSpec. Every
// value is checked here, so that a mistake in a template (or in a vendor's configuration value)
// is reported by its path instead of reaching the engine.
import { isIP } from "node:net";
import { TemplateError } from "../errors.ts";
import type {
  DependsOnCondition,
  HealthcheckSpec,
  PortSpec,
  RestartPolicy,
  ServiceSpec,
  VolumeMountSpec,
} from "../stack-spec.ts";
import { isMap } from "./compose-subset.ts";
import { parseByteSize, parseDurationMs, parseNanoCpus } from "./compose-units.ts";
import type { Tree } from "./placeholders.ts";

export interface StackNames {
  /** Compose network key → real network name. */
  networks: ReadonlyMap<string, string>;
  /** Compose volume key → real volume name. */
  volumes: ReadonlyMap<string, string>;
  services: ReadonlySet<string>;
}

export function toServiceSpec(
  name: string,
  service: { [key: string]: Tree },
  names: StackNames,
  labels: Record<string, string>,
): ServiceSpec {
  const at = `services.${name}`;
  const spec: ServiceSpec = {
    name,
    containerName: requireString(service["container_name"], `${at}.container_name`),
    image: parseImage(service["image"], `${at}.image`),
    environment: parseKeyValues(service["environment"], `${at}.environment`),
    ports: parseList(service["ports"], `${at}.ports`).map((port, index) => parsePort(port, `${at}.ports[${index}]`)),
    volumes: parseList(service["volumes"], `${at}.volumes`).map((mount, index) =>
      parseVolumeMount(mount, `${at}.volumes[${index}]`, names.volumes),
    ),
    networks: parseNetworks(service["networks"], `${at}.networks`, names.networks),
    dependsOn: parseDependsOn(service["depends_on"], `${at}.depends_on`, name, names.services),
    restart: parseRestart(service["restart"], `${at}.restart`),
    labels: { ...parseKeyValues(service["labels"], `${at}.labels`), ...labels },
  };
  if (service["command"] !== undefined) spec.command = parseCommand(service["command"], `${at}.command`);
  if (service["healthcheck"] !== undefined) spec.healthcheck = parseHealthcheck(service["healthcheck"], `${at}.healthcheck`);
  if (service["mem_limit"] !== undefined) spec.memoryBytes = parseByteSize(service["mem_limit"], `${at}.mem_limit`);
  if (service["cpus"] !== undefined) spec.nanoCpus = parseNanoCpus(service["cpus"], `${at}.cpus`);
  return spec;
}

export function requireString(value: Tree | undefined, at: string): string {
  if (typeof value !== "string" || value === "") throw new TemplateError(`${at} must be a non-empty string.`);
  return value;
}

function parseImage(value: Tree | undefined, at: string): string {
  const image = requireString(value, at);
  if (/\s/.test(image)) throw new TemplateError(`${at} must be an image reference such as "postgres:15" (got ${JSON.stringify(image)}).`);
  return image;
}

function parseList(value: Tree | undefined, at: string): Tree[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TemplateError(`${at} must be a list.`);
  return value;
}

// Compose accepts numbers and booleans as values and turns them into strings. A key without a
// value would take the value from the environment of whoever deploys: refused, since the
// orchestrator's environment must never leak into a tenant's containers.
export function parseKeyValues(value: Tree | undefined, at: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (value === undefined) return result;
  const add = (key: string, entry: Tree | undefined, where: string) => {
    if (key === "" || key.includes("=")) throw new TemplateError(`${where}: "${key}" is not a valid name.`);
    if (typeof entry === "string" || typeof entry === "number" || typeof entry === "boolean") result[key] = String(entry);
    else throw new TemplateError(`${where} must have a value (a string); a name alone would be read from the deploying host.`);
  };
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const where = `${at}[${index}]`;
      if (typeof item !== "string" || !item.includes("=")) throw new TemplateError(`${where} must be "NAME=value".`);
      // The name part is literal template text (no variables in keys), so the first "=" is its end.
      const equals = item.indexOf("=");
      add(item.slice(0, equals), item.slice(equals + 1), where);
    });
  } else if (isMap(value)) {
    for (const [key, entry] of Object.entries(value)) add(key, entry, `${at}.${key}`);
  } else {
    throw new TemplateError(`${at} must be a mapping (NAME: value) or a list of "NAME=value".`);
  }
  return result;
}

/**
 * Only the list form ["executable", "arg", …]: compose splits a string like a shell would, so a
 * substituted value with a space in it would become two arguments.
 */
export function parseCommand(value: Tree, at: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((part) => typeof part === "string")) {
    throw new TemplateError(`${at} must be a non-empty list of strings, e.g. ["node", "server.js"] (the string form is not supported).`);
  }
  return value as string[];
}

// "IP:HOST:CONTAINER[/protocol]" only. Without an IP compose publishes on every interface, and
// without a host port the engine picks one: both would escape the orchestrator's port pool.
// Each part is checked strictly, so a value with a ":" in it cannot shift the others.
export function parsePort(value: Tree, at: string): PortSpec {
  const invalid = () =>
    new TemplateError(
      `${at} must be "IP:HOST_PORT:CONTAINER_PORT" with an optional "/tcp" or "/udp", e.g. "127.0.0.1:\${APP_PORT}:8080" ` +
        `(got ${JSON.stringify(value)}); an IPv6 address is written in brackets.`,
    );
  if (typeof value !== "string") throw invalid();
  const match = /^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(value);
  if (!match) throw invalid();
  const [, rawIp, hostPort, containerPort, protocol] = match;
  const hostIp = rawIp!.startsWith("[") ? rawIp!.slice(1, -1) : rawIp!;
  if (isIP(hostIp) === 0) throw invalid();
  return {
    hostIp,
    hostPort: portNumber(hostPort!, at),
    containerPort: portNumber(containerPort!, at),
    protocol: protocol === "udp" ? "udp" : "tcp",
  };
}

function portNumber(text: string, at: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TemplateError(`${at}: ${text} is not a port number (1-65535).`);
  return port;
}

// "volume-key:/path[:ro|rw]". A bind mount (a host path as source) would let a tenant's
// container read or write the host's files, and would tie the stack to one host.
function parseVolumeMount(value: Tree, at: string, volumes: ReadonlyMap<string, string>): VolumeMountSpec {
  if (typeof value !== "string") {
    throw new TemplateError(`${at} must be "volume-key:/path" or "volume-key:/path:ro" (the long syntax is not supported).`);
  }
  const [source = "", target = "", mode = "rw", ...rest] = value.split(":");
  if (/^[./~]/.test(source)) {
    throw new TemplateError(
      `${at} mounts the host path ${JSON.stringify(source)}: bind mounts are refused because they break the tenant's ` +
        `isolation. Declare a named volume under volumes: (name: "\${SLUG}-<key>") and mount it by its key.`,
    );
  }
  const volume = volumes.get(source);
  if (volume === undefined) {
    throw new TemplateError(`${at} mounts "${source}", which is not declared under the top-level volumes: key. Declare it there.`);
  }
  if (!target.startsWith("/") || (mode !== "ro" && mode !== "rw") || rest.length > 0) {
    throw new TemplateError(`${at} must be "${source}:/absolute/path" with an optional ":ro" (got ${JSON.stringify(value)}).`);
  }
  return { volume, target, readOnly: mode === "ro" };
}

// The list form only: per-service options (aliases, fixed IPs) are not part of the subset. Every
// service must name its networks, or compose would add it to a "default" network that the
// Docker driver does not create.
function parseNetworks(value: Tree | undefined, at: string, networks: ReadonlyMap<string, string>): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TemplateError(`${at} must list the networks the service joins, e.g. [network] (keys of the top-level networks:).`);
  }
  return value.map((key, index) => {
    const name = typeof key === "string" ? networks.get(key) : undefined;
    if (name === undefined) {
      throw new TemplateError(`${at}[${index}] (${JSON.stringify(key)}) is not a key of the top-level networks:. Declare it there.`);
    }
    return name;
  });
}

const CONDITIONS: readonly DependsOnCondition[] = ["service_started", "service_healthy", "service_completed_successfully"];

function parseDependsOn(
  value: Tree | undefined,
  at: string,
  self: string,
  services: ReadonlySet<string>,
): ServiceSpec["dependsOn"] {
  if (value === undefined) return [];
  let entries: { service: string; condition: DependsOnCondition; at: string }[];
  if (Array.isArray(value)) {
    // The short form means "started", as in compose.
    entries = value.map((service, index) => ({
      service: requireString(service, `${at}[${index}]`),
      condition: "service_started",
      at: `${at}[${index}]`,
    }));
  } else if (isMap(value)) {
    entries = Object.entries(value).map(([service, options]) => {
      const condition = isMap(options) ? options["condition"] : undefined;
      if (!CONDITIONS.includes(condition as DependsOnCondition)) {
        throw new TemplateError(`${at}.${service}.condition must be one of ${CONDITIONS.join(", ")}.`);
      }
      return { service, condition: condition as DependsOnCondition, at: `${at}.${service}` };
    });
  } else {
    throw new TemplateError(`${at} must be a list of services or a mapping of service: { condition: … }.`);
  }
  for (const entry of entries) {
    if (!services.has(entry.service) || entry.service === self) {
      throw new TemplateError(`${entry.at} names "${entry.service}", which is not another service of this compose file.`);
    }
  }
  return entries.map(({ service, condition }) => ({ service, condition }));
}

const RESTART_POLICIES: readonly RestartPolicy[] = ["no", "always", "unless-stopped", "on-failure"];

function parseRestart(value: Tree | undefined, at: string): RestartPolicy {
  if (value === undefined) return "no"; // compose's default
  if (!RESTART_POLICIES.includes(value as RestartPolicy)) {
    throw new TemplateError(`${at} must be one of ${RESTART_POLICIES.map((policy) => `"${policy}"`).join(", ")} (got ${JSON.stringify(value)}).`);
  }
  return value as RestartPolicy;
}

// Missing timings take the Docker engine's defaults, which is what compose does too.
function parseHealthcheck(value: Tree, at: string): HealthcheckSpec {
  if (!isMap(value)) throw new TemplateError(`${at} must be a mapping.`);
  const test = value["test"];
  let command: string[];
  if (typeof test === "string" && test !== "") command = ["CMD-SHELL", test];
  else if (
    Array.isArray(test) &&
    test.every((part) => typeof part === "string") &&
    ((test[0] === "CMD" && test.length >= 2) || (test[0] === "CMD-SHELL" && test.length === 2))
  ) {
    command = test as string[];
  } else {
    throw new TemplateError(`${at}.test must be ["CMD", "executable", "arg", …] or ["CMD-SHELL", "shell command"].`);
  }
  const retries = value["retries"] ?? 3;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    throw new TemplateError(`${at}.retries must be a whole number.`);
  }
  const duration = (key: string, fallback: string) => parseDurationMs(value[key] ?? fallback, `${at}.${key}`);
  return {
    test: command,
    intervalMs: duration("interval", "30s"),
    timeoutMs: duration("timeout", "30s"),
    retries,
    startPeriodMs: duration("start_period", "0s"),
  };
}
