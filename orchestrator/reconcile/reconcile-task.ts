// Reconciliation, at every scheduler's start and every few minutes: the engine's resources with our
// labels compared with the database's desired state.
// - The engine does not answer: tenants are marked unreachable, the operators alerted once per
//   outage (outage.ts), and the pass ends there.
// - Otherwise each tenant not destroyed gets what the engine shows of it (running, stopped,
//   missing); one that should run but does not is repaired (a "reconcile" job), or flagged for an
//   operator after two failed repairs (drift.ts).
// - Resources with our labels that belong to no live tenant are listed as strays (strays.ts).
// - With the proxy on, tenants' routes are put back in Caddy from the database (routes.ts), whether
//   the engine answers or not; Caddy not answering fails the pass (retried, then the operators told).
// Nothing on the engine is ever removed or changed here: repairs are jobs, strays are a list.
import { isEngineUnreachable, OrchestratorError } from "../errors.ts";
import { everyMinutes } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask, TaskSummary } from "../scheduler/task.ts";
import { recordObservation, type DriftOutcome } from "./drift.ts";
import { findStrays, observeTenant, templateServices } from "./observe.ts";
import { markEngineUnreachable } from "./outage.ts";
import { reconcileRoutes, type RoutePassSummary } from "./routes.ts";
import { recordStrays } from "./strays.ts";

export function reconcileTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "reconcile",
    description: "Compares the engine with the database: repairs tenants that stopped or lost a container, lists strays, marks an engine outage",
    period: everyMinutes(deps.time.reconcileIntervalMinutes),
    runAtStart: true,
    async run({ asOf, signal, logger }): Promise<TaskSummary> {
      // The routes first: they need Caddy and the database, not the engine.
      let routes: RoutePassSummary | { routesError: string } | Record<string, never> = {};
      if (deps.proxy) {
        try {
          routes = await reconcileRoutes(deps, deps.proxy, logger, signal);
        } catch (error) {
          signal.throwIfAborted();
          routes = { routesError: error instanceof Error ? error.message : String(error) };
          logger.warn("reconciliation: tenant routes could not be put back in Caddy", routes);
        }
      }
      const summary = await engineAndTenants(asOf, signal, logger);
      if ("routesError" in routes) {
        // After the engine's part, so an outage of Caddy does not hide the engine's state.
        throw new OrchestratorError(`Tenant routes could not be put back in Caddy: ${routes.routesError}`, { transient: true });
      }
      return { ...summary, ...routes };
    },
  };

  async function engineAndTenants(asOf: Date, signal: AbortSignal, logger: Parameters<ScheduledTask["run"]>[0]["logger"]): Promise<TaskSummary> {
    try {
      await deps.driver.ping();
    } catch (error) {
      if (!isEngineUnreachable(error)) throw error;
      const outage = await markEngineUnreachable(deps, asOf, error instanceof Error ? error.message : String(error));
      logger.warn("reconciliation: the engine does not answer; tenants are marked unreachable", { ...outage });
      return { engine: "unreachable", ...outage };
    }

    // The rows first, then the engine: a row changed after this snapshot is left for the next pass.
    const tenants = await deps.prisma.tenant.findMany({ select: { id: true, slug: true, actualState: true, updatedAt: true } });
    const inventory = await deps.driver.inventory();
    const services = templateServices(deps.template.compose);

    const counts: Record<DriftOutcome, number> = { healthy: 0, observed: 0, repair_requested: 0, flagged: 0, left_flagged: 0, busy: 0, changed: 0 };
    for (const tenant of tenants) {
      if (tenant.actualState === "destroyed") continue;
      signal.throwIfAborted();
      const observation = observeTenant(inventory.resources, tenant.slug, services);
      const outcome = await recordObservation(deps, tenant, observation, asOf);
      counts[outcome]++;
      if (outcome === "repair_requested" || outcome === "flagged") {
        logger.warn(outcome === "flagged" ? "reconciliation: tenant flagged after failed repairs" : "reconciliation: drift found, repair requested", {
          tenant: tenant.slug,
          observed: observation.state,
          services: observation.services.join(","),
        });
      }
    }

    // Read again after the engine: a tenant signed up meanwhile has containers, and is no stray.
    const known = await deps.prisma.tenant.findMany({ select: { id: true, slug: true, actualState: true } });
    const strays = findStrays(
      inventory.resources,
      known.map((t) => ({ id: t.id, slug: t.slug, live: t.actualState !== "destroyed" })),
    );
    const listed = await recordStrays(deps, strays, asOf);
    if (listed.newStrays > 0) logger.warn("reconciliation: resources with our labels belong to no tenant (listed, left alone)", listed);

    return {
      engine: "reachable",
      tenants: tenants.filter((t) => t.actualState !== "destroyed").length,
      running: counts.healthy,
      repairsRequested: counts.repair_requested,
      flagged: counts.flagged,
      stillFlagged: counts.left_flagged,
      busy: counts.busy,
      changedMeanwhile: counts.changed,
      ...listed,
    };
  }
}
