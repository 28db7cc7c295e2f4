// How the driver finds a stack's resources again: by labels on the engine, never by memory. The
// spec's own labels (LABELS in stack-spec.ts) are copied as given; the driver additionally
// guarantees the compose project/service labels it searches by, and adds two labels of its own so
// that `start(project)` can restore the deploy order without the spec.
import { DriverError, TemplateError } from "../errors.ts";
import { LABELS, type DependsOnCondition, type ServiceSpec } from "../stack-spec.ts";

export const DRIVER_LABELS = {
  /** Index of the service in spec.services (dependencies first): the order `start` follows. */
  startOrder: "io.tenantry.start-order",
  /** The service's depends_on, "postgres:service_healthy,cache:service_started". */
  dependsOn: "io.tenantry.depends-on",
} as const;

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
