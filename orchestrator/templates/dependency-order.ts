// Services in start order: each after the services it depends on, otherwise in the template's
// order, so the same template always gives the same order.
import { TemplateError } from "../errors.ts";
import type { ServiceSpec } from "../stack-spec.ts";

export function inDependencyOrder(services: ServiceSpec[]): ServiceSpec[] {
  const ordered: ServiceSpec[] = [];
  const placed = new Set<string>();
  let remaining = services;
  while (remaining.length > 0) {
    const ready = remaining.filter((service) => service.dependsOn.every((dependency) => placed.has(dependency.service)));
    if (ready.length === 0) {
      const names = remaining.map((service) => service.name).join(", ");
      throw new TemplateError(`depends_on forms a cycle between ${names}: remove one of the dependencies.`);
    }
    for (const service of ready) {
      ordered.push(service);
      placed.add(service.name);
    }
    remaining = remaining.filter((service) => !placed.has(service.name));
  }
  return ordered;
}
