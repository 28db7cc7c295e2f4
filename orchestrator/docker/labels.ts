// How the driver finds a stack's resources again: by labels on the engine, never by memory. The
// spec's own labels (LABELS in stack-spec.ts) are copied as given; the driver additionally
// guarantees the compose labels it searches by, with the others compose itself filters on (so
// that `docker-compose -p client-<slug> ps` and other compose tools see the tenant's containers),
// and adds two labels of its own so that `start(project)` can restore the deploy order without
// the spec.
import { DriverError, TemplateError } from "../errors.ts";
import { LABELS, type DependsOnCondition, type ServiceSpec } from "../stack-spec.ts";

export const DRIVER_LABELS = {
  /** Index of the service in spec.services (dependencies first): the order `start` follows. */
  startOrder: "io.tenantry.start-order",
  /** The service's depends_on, "postgres:service_healthy,cache:service_started". */
  dependsOn: "io.tenantry.depends-on",
} as const;

/**
 * The labels compose puts on a service's container, as compose 1.29 and compose v2 read them:
 * both list a project's containers with the filters `project=<name>` and `oneoff=False`, then keep
 * those whose `service` is in the compose file; 1.29 also reads `container-number` (our container
 * names carry no replica number: one container per service, number 1) and `version` (which
 * compose made the container; we write the oldest format we follow).
 */
export const COMPOSE_CONTAINER_LABELS = {
  oneOff: "com.docker.compose.oneoff",
  containerNumber: "com.docker.compose.container-number",
  version: "com.docker.compose.version",
} as const;

/** The compose version whose label format the driver writes. */
export const COMPOSE_LABEL_VERSION = "1.29.2";

export function composeContainerLabels(project: string, service: string): Record<string, string> {
  return {
    [LABELS.composeProject]: project,
    [LABELS.composeService]: service,
    [COMPOSE_CONTAINER_LABELS.oneOff]: "False",
    [COMPOSE_CONTAINER_LABELS.containerNumber]: "1",
    [COMPOSE_CONTAINER_LABELS.version]: COMPOSE_LABEL_VERSION,
  };
}

const CONDITIONS: readonly DependsOnCondition[] = ["service_started", "service_healthy", "service_completed_successfully"];

export function projectLabelFilter(project: string, service?: string): { label: string[] } {
  const label = [`${LABELS.composeProject}=${project}`];
  if (service !== undefined) label.push(`${LABELS.composeService}=${service}`);
  return { label };
}

export function encodeDependsOn(dependsOn: ServiceSpec["dependsOn"]): string {
  return dependsOn.map((d) => `${d.service}:${d.condition}`).join(",");
}

export function decodeDependsOn(value: string | undefined): ServiceSpec["dependsOn"] {
  if (!value) return [];
  return value.split(",").map((entry) => {
    const [service = "", condition = ""] = entry.split(":");
    if (!service || !CONDITIONS.includes(condition as DependsOnCondition)) {
      throw new TemplateError(`Label ${DRIVER_LABELS.dependsOn}="${value}" is malformed; redeploy the stack to rewrite it.`);
    }
    return { service, condition: condition as DependsOnCondition };
  });
}

export function startOrderOf(labels: Record<string, string> | undefined): number {
  const order = Number(labels?.[DRIVER_LABELS.startOrder]);
  // Containers we did not create (no label) start last, after everything they may depend on.
  return Number.isInteger(order) ? order : Number.MAX_SAFE_INTEGER;
}

/**
 * A resource with the stack's name that belongs to another project (or to nobody) is never
 * adopted: using it could hand one tenant another's data.
 */
export function assertOwnedBy(project: string, kind: string, name: string, labels: Record<string, string> | null | undefined): void {
  const owner = labels?.[LABELS.composeProject];
  if (owner === project) return;
  throw new DriverError(
    `The ${kind} ${name} already exists but belongs to ${owner ? `project ${owner}` : "no Tenantry project"}. ` +
      `Remove or rename it, or give this tenant another slug, then deploy again.`,
    { transient: false },
  );
}
