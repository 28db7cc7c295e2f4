// The part of the compose specification Tenantry's templates may use. It is exactly what our
// StackSpec can carry, so the Docker driver (one resource at a time) and Portainer (compose
// itself) deploy the same thing. Any other key is refused by name: a key we silently ignored
// would behave differently in the two drivers, or weaken a tenant's isolation.
import { joinPath, type Tree } from "./placeholders.ts";

export const SUPPORTED_KEYS = {
  topLevel: ["services", "networks", "volumes"],
  service: [
    "image",
    "container_name",
    "command",
    "environment",
    "ports",
    "volumes",
    "networks",
    "depends_on",
    "healthcheck",
    "restart",
    "mem_limit",
    "cpus",
    "labels",
  ],
  healthcheck: ["test", "interval", "timeout", "retries", "start_period"],
  dependsOn: ["condition"],
  network: ["name", "labels"],
  volume: ["name", "labels"],
} as const;

// What to do instead, for the keys template authors reach for most often.
const HINTS: Record<string, string> = {
  version: "remove it: the compose specification ignores it",
  name: "remove it: the project name is client-<slug>, set by the orchestrator",
  build: "build and publish the image beforehand, then name it with image: (a config variable)",
  deploy: "use mem_limit and cpus for resource limits",
  env_file: "list the variables under environment:, with ${VAR} values declared in manifest.json",
  extends: "write the service out in full",
  privileged: "a tenant's containers never get extra privileges",
  cap_add: "a tenant's containers never get extra privileges",
  devices: "a tenant's containers never get host devices",
  network_mode: "each tenant's services join only the tenant's own network",
  pid: "a tenant's containers never share the host's namespaces",
  ipc: "a tenant's containers never share the host's namespaces",
  userns_mode: "a tenant's containers never share the host's namespaces",
  secrets: "pass secrets as generated-secret variables in environment:",
  configs: "pass settings as config variables in environment:",
  external: "every network and volume belongs to the tenant's stack; external ones would be shared",
  driver: "networks and volumes use the engine's default driver",
};

type TreeMap = { [key: string]: Tree };

export function isMap(value: Tree | undefined): value is TreeMap {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Every place where the compose file leaves Tenantry's subset, as messages naming the key's path. */
export function composeSubsetProblems(compose: Tree): string[] {
  const problems: string[] = [];
  if (!isMap(compose)) return ["the compose file must be a mapping with a services: key"];
  keyProblems(compose, "", problems);
  checkKeys(compose, "", SUPPORTED_KEYS.topLevel, problems);

  const services = compose["services"];
  if (!isMap(services) || Object.keys(services).length === 0) {
    problems.push("services must be a mapping with at least one service");
  } else {
    for (const [name, service] of Object.entries(services)) {
      const at = `services.${name}`;
      if (!isMap(service)) {
        problems.push(`${at} must be a mapping`);
        continue;
      }
      checkKeys(service, at, SUPPORTED_KEYS.service, problems);
      const healthcheck = service["healthcheck"];
      if (healthcheck !== undefined) {
        if (isMap(healthcheck)) checkKeys(healthcheck, `${at}.healthcheck`, SUPPORTED_KEYS.healthcheck, problems);
        else problems.push(`${at}.healthcheck must be a mapping`);
      }
      const dependsOn = service["depends_on"];
      if (isMap(dependsOn)) {
        for (const [dependency, options] of Object.entries(dependsOn)) {
          const where = `${at}.depends_on.${dependency}`;
          if (isMap(options)) checkKeys(options, where, SUPPORTED_KEYS.dependsOn, problems);
          else problems.push(`${where} must be a mapping with a condition: key`);
        }
      }
    }
  }
  for (const section of ["networks", "volumes"] as const) {
    const declared = compose[section];
    if (declared === undefined) continue;
    if (!isMap(declared)) {
      problems.push(`${section} must be a mapping`);
      continue;
    }
    for (const [key, options] of Object.entries(declared)) {
      const at = `${section}.${key}`;
      if (!isMap(options)) problems.push(`${at} must be a mapping with a name: key`);
      else checkKeys(options, at, section === "networks" ? SUPPORTED_KEYS.network : SUPPORTED_KEYS.volume, problems);
    }
  }
  return problems;
}

function checkKeys(map: TreeMap, at: string, supported: readonly string[], problems: string[]): void {
  for (const key of Object.keys(map)) {
    if (supported.includes(key)) continue;
    const hint = HINTS[key] ?? (key.startsWith("x-") ? "extension fields are not supported" : undefined);
    problems.push(
      `${joinPath(at, key)} is not supported by Tenantry's compose subset` +
        `${hint ? `: ${hint}` : ""} (supported here: ${supported.join(", ")})`,
    );
  }
}

// Keys are never substituted, so a key with a `$` in it would reach compose (which would
// interpolate it) but not the Docker driver. __proto__ would be lost when the tree is copied.
function keyProblems(tree: Tree, at: string, problems: string[]): void {
  if (Array.isArray(tree)) tree.forEach((item, index) => keyProblems(item, `${at}[${index}]`, problems));
  if (!isMap(tree)) return;
  for (const [key, value] of Object.entries(tree)) {
    if (key.includes("$")) problems.push(`${joinPath(at, key)}: variables are substituted in values only, never in keys`);
    if (key === "__proto__") problems.push(`${joinPath(at, key)}: this key is not allowed`);
    keyProblems(value, joinPath(at, key), problems);
  }
}
