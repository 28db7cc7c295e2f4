// Checks of a StackSpec the Docker driver relies on, made before anything is created, so that a
// malformed spec fails with a TemplateError instead of leaving half a stack behind.
import { TemplateError } from "../errors.ts";
import type { ServiceSpec, StackSpec } from "../stack-spec.ts";

export function checkSpec(spec: StackSpec): void {
  const networks = new Set(spec.networks.map((n) => n.name));
  const volumes = new Set(spec.volumes.map((v) => v.name));
  const declared = new Map<string, ServiceSpec>();
  for (const service of spec.services) {
    const where = `Service "${service.name}" of ${spec.project}`;
    if (declared.has(service.name)) throw new TemplateError(`${where} is declared twice; rename one of them in the template.`);
    for (const dep of service.dependsOn) {
      const dependency = declared.get(dep.service);
      if (!dependency) {
        throw new TemplateError(
          `${where} depends on "${dep.service}", which is not declared before it; declare it, listing every service after those it depends on.`,
        );
      }
      if (dep.condition === "service_healthy" && !dependency.healthcheck) {
        throw new TemplateError(`${where} waits for "${dep.service}" to be healthy, but "${dep.service}" has no healthcheck; add one.`);
      }
    }
    for (const network of service.networks) {
      if (!networks.has(network)) throw new TemplateError(`${where} uses network ${network}, which the stack does not declare.`);
    }
    for (const mount of service.volumes) {
      if (!volumes.has(mount.volume)) throw new TemplateError(`${where} mounts volume ${mount.volume}, which the stack does not declare.`);
    }
    declared.set(service.name, service);
  }
}
