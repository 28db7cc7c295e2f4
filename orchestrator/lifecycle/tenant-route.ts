// The job steps that keep a tenant's route in Caddy (issue 14), present only when the proxy is on:
// provisioning, resume and restart point the route at the app once it is healthy; suspend turns it
// into the suspended page; destroy and terminate delete it. Each step looks first (putTenantRoute),
// so a retry changes nothing; Caddy not answering is transient, so the step is retried. A failed
// provisioning's compensation deletes the route (removeRouteAfterFailure) without ever waiting on
// Caddy: when it does not answer, the reconciler's route pass deletes a failed tenant's route later.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import type { StepDefinition } from "../jobs/run-job.ts";
import { appUpstream, putTenantRoute, type RouteTarget } from "../proxy/route-steps.ts";
import type { Template } from "../templates/template.ts";
import type { LifecycleDeps } from "./context.ts";

/** The step setting the tenant's route to its app, the suspended page or none ([] with the proxy off). */
export function routeSteps(deps: LifecycleDeps, kind: RouteTarget["kind"]): StepDefinition[] {
  const proxy = deps.proxy;
  if (!proxy) return [];
  const progress = { app: "Opening your address", suspended: "Showing the suspended page at your address", none: "Removing your address" }[kind];
  return [
    {
      name: `route:${kind}`,
      async run(context) {
        await context.progress(progress);
        const target: RouteTarget =
          kind === "app" ? { kind, upstream: appUpstream(deps.bindAddress, await appPort(deps.prisma, deps.template, context.tenant.id)) } : { kind };
        const outcome = await putTenantRoute(proxy, context.tenant, target);
        deps.logger.info("tenant route", { tenant: context.tenant.slug, target: kind, outcome });
      },
    },
  ];
}

/** Compensation: the tenant's route deleted; Caddy not answering is logged, never blocking. */
export async function removeRouteAfterFailure(deps: LifecycleDeps, tenant: { id: string; slug: string }): Promise<void> {
  if (!deps.proxy) return;
  try {
    const outcome = await putTenantRoute(deps.proxy, tenant, { kind: "none" });
    deps.logger.info("tenant route", { tenant: tenant.slug, target: "none", outcome, after: "failure" });
  } catch (error) {
    deps.logger.warn("tenant route not removed after the failure; the reconciliation removes it", {
      tenant: tenant.slug,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The app's host port: the tenant's lease for the template's first port variable. */
export async function appPort(prisma: PrismaClient | Prisma.TransactionClient, template: Template, tenantId: string): Promise<number> {
  const purpose = appPortVariable(template);
  const lease = await prisma.portLease.findUnique({ where: { tenantId_purpose: { tenantId, purpose } } });
  if (!lease) throw new Error(`Tenant ${tenantId} has no ${purpose} port leased: provision it (or resume it) first.`);
  return lease.port;
}

export function appPortVariable(template: Template): string {
  const variable = template.manifest.variables.find((v) => v.kind === "port");
  if (!variable) throw new Error(`Template ${template.manifest.id} declares no port variable: the proxy has no app port to reach.`);
  return variable.name;
}
