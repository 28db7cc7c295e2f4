// The labels the Docker driver writes besides the spec's own (LABELS in stack-spec.ts, copied as
// given): the compose labels it searches by, with the others compose itself filters on (so that
// `docker-compose -p client-<slug> ps` and other compose tools see the tenant's containers), and
// the check that a resource with a stack's name is the stack's. The labels both drivers read
// (project filter, start order, depends_on) are in ../engine-api/labels.ts.
import { DriverError } from "../errors.ts";
import { LABELS } from "../stack-spec.ts";

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
