// What Portainer runs for a compose stack, done on the real Docker engine: `docker compose -p
// <stack name> up -d` and `down --remove-orphans` (reference §6.4, §6.8, §6.9). The compose file
// is interpolated as compose does (`$$` is a dollar, `${VAR}` comes from the stack's Env, unset
// is empty), converted to a StackSpec with the orchestrator's own compose-subset parser, and
// deployed with the Docker driver, which creates each resource, waits for depends_on conditions
// and adopts what exists. Differences from compose, acceptable for a double: only Tenantry's
// compose subset is understood; an existing container is kept even if the file changed (compose
// would recreate it); volumes are removed only when asked, as with compose.
import Dockerode from "dockerode";
import { parse } from "yaml";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { ImageMissingError, OrchestratorError } from "../../orchestrator/errors.ts";
import { LABELS, type NetworkSpec, type StackSpec, type VolumeSpec } from "../../orchestrator/stack-spec.ts";
import { isMap } from "../../orchestrator/templates/compose-subset.ts";
import { inDependencyOrder } from "../../orchestrator/templates/dependency-order.ts";
import { mapStrings, type Tree } from "../../orchestrator/templates/placeholders.ts";
import { parseKeyValues, toServiceSpec } from "../../orchestrator/templates/service-spec.ts";

export interface Pair {
  name: string;
  value: string;
}

/** Compose's own failure text, as Portainer passes it on. */
export class ComposeError extends Error {
  override name = "ComposeError";
}

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function interpolate(tree: Tree, env: ReadonlyMap<string, string>): Tree {
  return mapStrings(tree, (text) => text.replace(INTERPOLATION, (token, braced?: string, bare?: string) => (token === "$$" ? "$" : (env.get(braced ?? bare ?? "") ?? ""))));
}

type TreeMap = { [key: string]: Tree };

function declared(section: Tree | undefined, project: string, labelKey: string): Map<string, NetworkSpec | VolumeSpec> {
  const result = new Map<string, NetworkSpec | VolumeSpec>();
  for (const [key, options] of Object.entries(isMap(section) ? section : {})) {
    const opts: TreeMap = isMap(options) ? options : {};
    const name = typeof opts["name"] === "string" ? opts["name"] : `${project}_${key}`;
    result.set(key, { name, labels: { ...parseKeyValues(opts["labels"], `${key}.labels`), [LABELS.composeProject]: project, [labelKey]: key } });
  }
  return result;
}

/** The compose file of stack `project` as the Docker driver takes it. */
export function composeToSpec(project: string, fileContent: string, env: Pair[] | null): StackSpec {
  let raw: Tree;
  try {
    raw = parse(fileContent) as Tree;
  } catch (error) {
    throw new ComposeError(`yaml: ${(error as Error).message}`);
  }
  const tree = interpolate(raw, new Map((env ?? []).map((pair) => [pair.name, pair.value])));
  if (!isMap(tree) || !isMap(tree["services"])) throw new ComposeError("no service defined in the compose file");
  const services = tree["services"];
  const networks = declared(tree["networks"], project, LABELS.composeNetwork);
  const volumes = declared(tree["volumes"], project, LABELS.composeVolume);
  // compose puts services that name no network on <project>_default.
  const withDefaults = Object.entries(services).map(([name, service]): [string, TreeMap] => {
    const s: TreeMap = isMap(service) ? { ...service } : {};
    s["container_name"] ??= `${project}-${name}-1`;
    if (s["networks"] === undefined) {
      s["networks"] = ["default"];
      if (!networks.has("default")) networks.set("default", { name: `${project}_default`, labels: { [LABELS.composeProject]: project, [LABELS.composeNetwork]: "default" } });
    }
    return [name, s];
  });
  const names = {
    networks: new Map([...networks].map(([key, spec]) => [key, spec.name])),
    volumes: new Map([...volumes].map(([key, spec]) => [key, spec.name])),
    services: new Set(Object.keys(services)),
  };
  const specs = withDefaults.map(([name, service]) =>
    toServiceSpec(name, service, names, { [LABELS.composeProject]: project, [LABELS.composeService]: name }),
  );
  return { project, composeText: fileContent, services: inDependencyOrder(specs), networks: [...networks.values()], volumes: [...volumes.values()] };
}

/** Compose's wording for what went wrong, from the Docker driver's error. */
function composeWording(error: unknown): string {
  if (error instanceof ImageMissingError) {
    return `Error response from daemon: pull access denied for ${error.image}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
  }
  const daemon = (error as { cause?: { json?: { message?: unknown } } }).cause?.json?.message;
  if (typeof daemon === "string") return `Error response from daemon: ${daemon}`;
  return error instanceof Error ? error.message : String(error);
}

export interface ComposeEngine {
  up(project: string, fileContent: string, env: Pair[] | null): Promise<void>;
  /** down --remove-orphans: containers and networks of the project; volumes are kept. */
  down(project: string): Promise<void>;
  /** Containers carrying com.docker.compose.project=<project>, in any state. */
  projectContainers(project: string): Promise<number>;
}

export function composeEngine(options: { socketPath: string; beforeUp?: (spec: StackSpec) => Promise<void> | void }): ComposeEngine {
  const docker = new Dockerode({ socketPath: options.socketPath, timeout: 120_000 });
  // compose gives containers 10 s to stop; pulls are short since tests only use local images.
  const driver = createDockerDriver({ docker, pullTimeoutMs: 15_000, healthTimeoutMs: 180_000, pollIntervalMs: 250, stopTimeoutSeconds: 10 });
  return {
    async up(project, fileContent, env) {
      let spec: StackSpec;
      try {
        spec = composeToSpec(project, fileContent, env);
      } catch (error) {
        if (error instanceof ComposeError) throw error;
        throw new ComposeError(`validating docker-compose.yml: ${(error as Error).message}`);
      }
      await options.beforeUp?.(spec);
      try {
        await driver.deploy(spec);
      } catch (error) {
        if (!(error instanceof OrchestratorError)) throw error;
        throw new ComposeError(composeWording(error));
      }
    },
    async down(project) {
      try {
        await driver.stop(project);
        await driver.remove(project, { removeVolumes: false });
      } catch (error) {
        throw new ComposeError(composeWording(error));
      }
    },
    async projectContainers(project) {
      const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.composeProject}=${project}`] } });
      return list.length;
    },
  };
}
