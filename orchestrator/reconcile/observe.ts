// What the engine's inventory says of each tenant and what belongs to no tenant, computed without
// touching the engine or the database (pure): the reconciler reads both sides, this compares them.
//
// - A tenant's stack is "running" when every service of the template has a running container,
//   "missing" when a service has no container at all, "stopped" otherwise (a container exists but
//   does not run: exited, dead, restarting in a loop, paused, created and never started).
// - A resource is ours (not a stray) when it belongs to a live tenant (any tenant not destroyed):
//   its tenant-id label names that tenant and its project is that tenant's, or, without a tenant-id
//   label, its project is a live tenant's. Anything else with our ownership label is a stray:
//   an unknown tenant id, a project no tenant has, a destroyed tenant's leftovers.
import type { EngineResource } from "../driver.ts";
import { projectName } from "../lifecycle/context.ts";

export type ObservedState = "running" | "stopped" | "missing" | "unreachable";

export interface TenantObservation {
  state: Exclude<ObservedState, "unreachable">;
  /** Services without a container ("missing") or whose container does not run ("stopped"). */
  services: string[];
}

/** The observation of one tenant's project, given the services its template declares. */
export function observeTenant(resources: readonly EngineResource[], slug: string, services: readonly string[]): TenantObservation {
  const project = projectName(slug);
  const containers = resources.filter((r) => r.kind === "container" && r.project === project);
  const missing = services.filter((service) => !containers.some((c) => c.service === service));
  if (missing.length > 0) return { state: "missing", services: missing };
  const notRunning = services.filter((service) => !containers.some((c) => c.service === service && c.state === "running"));
  if (notRunning.length > 0) return { state: "stopped", services: notRunning };
  return { state: "running", services: [] };
}

export interface KnownTenant {
  id: string;
  slug: string;
  /** False once destroyed (terminated): what is left of it on the engine is a stray. */
  live: boolean;
}

/** The resources that belong to no live tenant. */
export function findStrays(resources: readonly EngineResource[], tenants: readonly KnownTenant[]): EngineResource[] {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const liveProjects = new Set(tenants.filter((t) => t.live).map((t) => projectName(t.slug)));
  return resources.filter((r) => {
    if (r.tenantId !== null) {
      const tenant = byId.get(r.tenantId);
      return !tenant || !tenant.live || (r.project !== null && r.project !== projectName(tenant.slug));
    }
    return r.project === null || !liveProjects.has(r.project);
  });
}

/** The compose services a template declares ("app", "postgres"), the ones every tenant must run. */
export function templateServices(compose: { readonly [key: string]: unknown }): string[] {
  const services = compose["services"];
  return services !== null && typeof services === "object" ? Object.keys(services).sort() : [];
}
