// Our labels on the engine, read the same way by both drivers: a stack's resources are found again
// by their compose project (and service) label, never by memory, and containers carry two labels
// of Tenantry's own, written by the Docker driver, so that `start(project)` can restore the deploy
// order and the depends_on waits without the spec. Compose does not write them: containers made by
// compose (through Portainer) sort by service name.
import { TemplateError } from "../errors.ts";
import { LABELS, type DependsOnCondition, type ServiceSpec } from "../stack-spec.ts";
import type { ContainerQuery } from "./engine.ts";

export const DRIVER_LABELS = {
  /** Index of the service in spec.services (dependencies first): the order `start` follows. */
  startOrder: "io.tenantry.start-order",
  /** The service's depends_on, "postgres:service_healthy,cache:service_started". */
  dependsOn: "io.tenantry.depends-on",
} as const;

const CONDITIONS: readonly DependsOnCondition[] = ["service_started", "service_healthy", "service_completed_successfully"];

/** The Engine API's `label` filter for a query ("key=value" each; empty for every container). */
export function labelFilter(query: ContainerQuery): string[] {
  const label: string[] = [];
  if (query.project !== undefined) label.push(`${LABELS.composeProject}=${query.project}`);
  if (query.service !== undefined) label.push(`${LABELS.composeService}=${query.service}`);
  // A key alone matches any value: every resource Tenantry made, whichever tenant it is for.
  if (query.managed) label.push(LABELS.managed);
  return label;
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
  // Containers without the label start last, after everything they may depend on.
  return Number.isInteger(order) ? order : Number.MAX_SAFE_INTEGER;
}
