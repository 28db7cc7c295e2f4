// Where the account page finds what it needs from the portal's services (issue 12): the plan
// catalogue and the orchestrator's Stripe calls, and the portal's public address for links that
// leave the page (Stripe's return addresses, the emailed link): PORTAL_URL when set, otherwise the
// address this request was made to (as express's trust proxy allows it to be known).
import type { PlanCatalog } from "../../orchestrator/index.ts";
import type { AppServices } from "~/services.server";
import type { AccountBillingApi } from "./account-actions.server";
import type { AccountServices } from "./account.server";

/** The plan catalogue (PLANS_FILE) and the orchestrator's Stripe calls (null without Stripe settings). */
function parts(services: AppServices): { plans: PlanCatalog; billing: AccountBillingApi | null } {
  const billing: AccountBillingApi = services.orchestrator.stripe;
  return { plans: services.config.plans, billing: billing.configured ? billing : null };
}

export function accountServices(services: AppServices): AccountServices {
  const { plans, billing } = parts(services);
  return { prisma: services.prisma, config: services.config, now: services.now, billingConfigured: billing !== null, plans };
}

export function accountActionServices(services: AppServices) {
  return { prisma: services.prisma, now: services.now, logger: services.logger, billing: parts(services).billing };
}

/** The portal's own address for a path: PORTAL_URL, or the request's origin. */
export function portalAddress(services: AppServices, request: Request, pathname: string): string {
  return `${services.config.account.portalUrl ?? new URL(request.url).origin}${pathname}`;
}
