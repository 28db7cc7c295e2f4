// Renders a template for one tenant. Variables are substituted AFTER the YAML is parsed, in
// string values only (never in keys), so no value (a customer's data, a secret, a vendor
// setting) can add a key, a service or a list item: the structure is the template's. The
// compose text is then serialised from that tree (compose-text.ts), never built by pasting text.
import type { ContainerResources } from "../driver.ts";
import { TemplateError } from "../errors.ts";
import { LABELS, type NetworkSpec, type StackSpec, type VolumeSpec } from "../stack-spec.ts";
import { isMap } from "./compose-subset.ts";
import { toComposeText } from "./compose-text.ts";
import { inDependencyOrder } from "./dependency-order.ts";
import { renderCommandSection, renderDump, type DumpPlan } from "./dump.ts";
import { renderInitialUser, type InitialUserPlan } from "./initial-user.ts";
import type { Manifest } from "./manifest.ts";
import { mapStrings, substitutePlaceholders, type Tree } from "./placeholders.ts";
import { renderReadinessChecks, type ReadinessCheck } from "./readiness.ts";
import { parseKeyValues, requireString, toServiceSpec } from "./service-spec.ts";
import type { Template } from "./template.ts";

export interface RenderInput {
  /** The tenant's id in our database, written in the tenant-id label of every resource. */
  tenantId: string;
  slug: string;
  /**
   * Values of the template's generated-secret and port variables (all required) and of any
   * config variable the vendor sets (the manifest's default otherwise). SLUG comes from `slug`.
   */
  values?: Readonly<Record<string, string | number>>;
  /**
   * The tenant's plan's limits (issue 12): they replace every service's mem_limit and cpus, in
   * the compose text and the StackSpec alike. Absent: the template's own limits.
   */
  resources?: ContainerResources;
}

export interface RenderedTenant {
  stack: StackSpec;
  /** The manifest's readiness checks, in order, with variables and the published port filled in. */
  readiness: ReadinessCheck[];
  initialUser: InitialUserPlan;
  /** How to take the final dump of the tenant's database; null when the template has no `dump`. */
  dump: DumpPlan | null;
  /** How a tenant backup is loaded back; null when the template has no `restore`. */
  restore: DumpPlan | null;
  /** How the app's tables are counted for a tenant backup; null when the template has no `rowCounts`. */
  rowCounts: DumpPlan | null;
}

/** The tenant's stack as the drivers take it. */
export function renderStack(template: Template, input: RenderInput): StackSpec {
  return renderTenant(template, input).stack;
}

/** The stack plus what the job engine runs once it is deployed (readiness checks, initial user, final dump). */
export function renderTenant(template: Template, input: RenderInput): RenderedTenant {
  if (input.tenantId.trim() === "") throw new TemplateError("renderTenant needs the tenant's id (tenantId) for its labels.");
  const values = resolveValues(template.manifest, input);
  try {
    return renderWithValues(template, input.tenantId, values, input.resources);
  } catch (error) {
    // A vendor's config value (an image name, a limit) can fail where the defaults did not.
    if (!(error instanceof TemplateError)) throw error;
    throw new TemplateError(`Template ${template.id} cannot be rendered for ${input.slug}: ${error.message}`);
  }
}

// Base rule for every slug, whatever the manifest's pattern: it ends up in container, network,
// volume and compose project names, and in the app's database host name (a DNS label).
const SLUG_BASE_RULE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Every variable's value, or a TemplateError naming the first one missing or invalid. */
export function resolveValues(manifest: Manifest, input: RenderInput): Map<string, string> {
  const provided = input.values ?? {};
  const declared = new Map(manifest.variables.map((variable) => [variable.name, variable]));
  for (const name of Object.keys(provided)) {
    const variable = declared.get(name);
    if (variable === undefined) {
      throw new TemplateError(
        `${name} is not a variable of template ${manifest.id} (its variables: ${[...declared.keys()].join(", ")}). ` +
          `Remove it from the values, or declare it in the manifest.`,
      );
    }
    if (variable.kind === "tenant") throw new TemplateError(`Pass the slug as the slug option, not as values.${name}.`);
  }
  const values = new Map<string, string>();
  const portOwners = new Map<number, string>();
  for (const variable of manifest.variables) {
    const given = provided[variable.name];
    switch (variable.kind) {
      case "tenant": {
        if (input.slug.length > 63 || !SLUG_BASE_RULE.test(input.slug) || (variable.pattern && !new RegExp(variable.pattern).test(input.slug))) {
          throw new TemplateError(
            `Slug ${JSON.stringify(input.slug)} is not valid for template ${manifest.id}: use lowercase letters, digits ` +
              `and inner dashes${variable.pattern ? `, matching ${variable.pattern}` : ""}.`,
          );
        }
        values.set(variable.name, input.slug);
        break;
      }
      case "generated-secret":
        if (given === undefined || given === "") {
          throw new TemplateError(
            `${variable.name} has no value: generate it once with generateSecret(), store it with the tenant, and pass it on every render.`,
          );
        }
        values.set(variable.name, String(given));
        break;
      case "port": {
        const port = typeof given === "number" ? given : given !== undefined && /^\d+$/.test(given) ? Number(given) : NaN;
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          throw new TemplateError(
            given === undefined
              ? `${variable.name} has no value: allocate a host port for the tenant and pass it.`
              : `${variable.name} must be a port number from 1 to 65535 (got ${JSON.stringify(given)}).`,
          );
        }
        const other = portOwners.get(port);
        if (other !== undefined) throw new TemplateError(`${other} and ${variable.name} were both given port ${port}; allocate distinct ports.`);
        portOwners.set(port, variable.name);
        values.set(variable.name, String(port));
        break;
      }
      case "config":
        values.set(variable.name, given === undefined ? variable.default : String(given));
        break;
    }
  }
  for (const [name, value] of values) {
    // Docker passes environment and arguments as C strings; the value itself is never shown.
    if (value.includes("\0")) throw new TemplateError(`The value of ${name} contains a NUL character, which no container can receive.`);
  }
  return values;
}

/** Renders with already resolved values; loadTemplate runs it with sample values to validate. */
export function renderWithValues(
  template: Template,
  tenantId: string,
  values: ReadonlyMap<string, string>,
  resources?: ContainerResources,
): RenderedTenant {
  const slug = values.get("SLUG");
  if (slug === undefined) throw new TemplateError("The values have no SLUG.");
  const project = `client-${slug}`;
  const file = template.manifest.composeFile;
  const substituted = mapStrings(template.compose, (text, path) => substitutePlaceholders(text, values, `${file}: ${path}`));
  if (!isMap(substituted) || !isMap(substituted["services"])) throw new TemplateError(`${file} has no services.`);
  const compose = withResources(substituted as ComposeTree, resources);

  const ownership: Record<string, string> = {
    [LABELS.composeProject]: project,
    [LABELS.managed]: "true",
    [LABELS.tenantId]: tenantId,
    [LABELS.templateHash]: template.hash,
  };
  const networks = declaredResources(compose["networks"], "networks", (key) => ({ ...ownership, [LABELS.composeNetwork]: key }));
  const volumes = declaredResources(compose["volumes"], "volumes", (key) => ({ ...ownership, [LABELS.composeVolume]: key }));
  const services = compose["services"];
  const names = {
    networks: new Map([...networks].map(([key, spec]) => [key, spec.name])),
    volumes: new Map([...volumes].map(([key, spec]) => [key, spec.name])),
    services: new Set(Object.keys(services)),
  };
  const serviceSpecs = Object.entries(services).map(([name, service]) => {
    if (!isMap(service)) throw new TemplateError(`${file}: services.${name} must be a mapping.`);
    return toServiceSpec(name, service, names, { ...ownership, [LABELS.composeService]: name });
  });
  checkPortsDistinct(serviceSpecs.flatMap((service) => service.ports.map((port) => ({ service: service.name, ...port }))));

  // The compose file says what the StackSpec says: same names, same labels, same values.
  const composeTree: Tree = {
    name: project,
    services: Object.fromEntries(
      serviceSpecs.map((spec) => [spec.name, { ...(services[spec.name] as { [key: string]: Tree }), labels: spec.labels }]),
    ),
    networks: Object.fromEntries([...networks].map(([key, spec]) => [key, { name: spec.name, labels: spec.labels }])),
    volumes: Object.fromEntries([...volumes].map(([key, spec]) => [key, { name: spec.name, labels: spec.labels }])),
  };
  const stack: StackSpec = {
    project,
    composeText: toComposeText(composeTree),
    services: inDependencyOrder(serviceSpecs),
    networks: [...networks.values()],
    volumes: [...volumes.values()],
  };
  return {
    stack,
    readiness: renderReadinessChecks(template.manifest, values, stack),
    initialUser: renderInitialUser(template.manifest, values),
    dump: renderDump(template.manifest, values),
    restore: renderCommandSection(template.manifest, "restore", values),
    rowCounts: renderCommandSection(template.manifest, "rowCounts", values),
  };
}

type ComposeTree = { [key: string]: Tree } & { services: { [key: string]: Tree } };

/** With resources: every service's mem_limit (bytes) and cpus set to the plan's, as numbers compose reads. */
function withResources(compose: ComposeTree, resources: ContainerResources | undefined): ComposeTree {
  if (!resources) return compose;
  const services = Object.fromEntries(
    Object.entries(compose.services).map(([name, service]) => [
      name,
      isMap(service) ? { ...service, mem_limit: resources.memoryBytes, cpus: resources.nanoCpus / 1e9 } : service,
    ]),
  );
  return { ...compose, services };
}

function declaredResources(
  section: Tree | undefined,
  sectionName: "networks" | "volumes",
  ownLabels: (key: string) => Record<string, string>,
): Map<string, NetworkSpec | VolumeSpec> {
  const resources = new Map<string, NetworkSpec | VolumeSpec>();
  if (section === undefined) return resources;
  if (!isMap(section)) throw new TemplateError(`${sectionName} must be a mapping.`);
  for (const [key, options] of Object.entries(section)) {
    const at = `${sectionName}.${key}`;
    if (!isMap(options)) throw new TemplateError(`${at} must be a mapping with a name: key.`);
    resources.set(key, {
      name: requireString(options["name"], `${at}.name`),
      labels: { ...parseKeyValues(options["labels"], `${at}.labels`), ...ownLabels(key) },
    });
  }
  return resources;
}

function checkPortsDistinct(ports: { service: string; hostIp: string; hostPort: number; protocol: string }[]): void {
  const seen = new Set<string>();
  for (const port of ports) {
    const key = `${port.hostPort}/${port.protocol}`;
    if (seen.has(key)) throw new TemplateError(`Host port ${key} is published twice (again by ${port.service}); give each its own port variable.`);
    seen.add(key);
  }
}
