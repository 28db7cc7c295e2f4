// Stack names and ownership. Portainer silently lower-cases a stack's name and deletes every
// character outside [-_a-z0-9] (reference §5), and compose refuses a project name that does not
// start with a letter or digit: a name we did not check could come back as another stack's. And
// since anyone with access to the environment can create stacks, a stack with our name is only
// adopted (or stopped, or deleted) when its compose file says Tenantry made it for this tenant.
import { parse } from "yaml";
import { DriverError, TemplateError } from "../errors.ts";
import { LABELS, type StackSpec } from "../stack-spec.ts";

const PORTAINER_STACK_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function assertStackName(name: string): void {
  if (!PORTAINER_STACK_NAME.test(name)) {
    throw new TemplateError(
      `"${name}" cannot be a Portainer stack name: Portainer would silently rewrite it (lower case, only a-z, 0-9, - and _, ` +
        `starting with a letter or digit). Give the tenant a slug that follows that rule.`,
    );
  }
}

type Labels = Record<string, string>;

function servicesMap(fileContent: string): Record<string, unknown> | null {
  let tree: unknown;
  try {
    tree = parse(fileContent);
  } catch {
    return null;
  }
  const services = (tree as { services?: unknown } | null)?.services;
  if (typeof services !== "object" || services === null || Array.isArray(services)) return null;
  return services as Record<string, unknown>;
}

/** The service names of a compose file ([] when it cannot be read). */
export function servicesOf(fileContent: string): string[] {
  return Object.keys(servicesMap(fileContent) ?? {});
}

/** The labels of each service of a compose file (map or "key=value" list form). */
function serviceLabels(fileContent: string): Labels[] | null {
  const services = servicesMap(fileContent);
  if (!services) return null;
  return Object.values(services).map((service) => {
    const raw = (service as { labels?: unknown } | null)?.labels;
    if (Array.isArray(raw)) {
      return Object.fromEntries(
        raw.filter((item): item is string => typeof item === "string").map((item) => {
          const at = item.indexOf("=");
          return at < 0 ? [item, ""] : [item.slice(0, at), item.slice(at + 1)];
        }),
      );
    }
    if (typeof raw === "object" && raw !== null) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    return {};
  });
}

/** True when the stack's stored compose file carries Tenantry's ownership labels on every service. */
export function madeByTenantry(fileContent: string): boolean {
  const labels = serviceLabels(fileContent);
  return labels !== null && labels.length > 0 && labels.every((l) => l[LABELS.managed] === "true");
}

/**
 * True when the stored file was made by Tenantry for the tenant of `spec`: same tenant-id label on
 * every service. A spec without that label (built by hand) is ours only if the file is the same.
 */
export function madeForSpec(fileContent: string, spec: StackSpec): boolean {
  const tenantId = spec.services[0]?.labels[LABELS.tenantId];
  if (tenantId === undefined) return fileContent === spec.composeText;
  const labels = serviceLabels(fileContent);
  return madeByTenantry(fileContent) && labels!.every((l) => l[LABELS.tenantId] === tenantId);
}

export function notOursError(project: string, endpointId: number, action: string): DriverError {
  return new DriverError(
    `Portainer already has a stack named ${project} on environment ${endpointId}, but Tenantry did not create it for this tenant, ` +
      `so it will not ${action} it. Rename or delete that stack in Portainer, or give this tenant another slug.`,
    { transient: false },
  );
}
