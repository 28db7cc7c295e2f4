// What an admin can do to a tenant. Lifecycle actions become jobs in the orchestrator; billing
// ones (extend a trial) are database changes; a plan change is both (the plan, then its limits by a job). Each action is one transaction:
// the tenant is read under a row lock (two admins acting at once take turns), then its desired
// state, the job and the audit entries (who asked; jobs add their outcome when they end) are
// written together or not at all. A refused action writes only its refusal entry.
// The one exception: a plan change on a subscription billed through Stripe is made at Stripe
// (admin-stripe.server.ts), whose answer the one billing writer applies; Stripe stays the source of
// truth for what such a customer pays.
import type { Prisma } from "../../prisma/generated/client.ts";
import { isStripeBilled, LEGACY_TRIAL_PLAN, requestJob, writeAudit, type DatabaseWriter, type LifecycleAction, type Plan, type PlanCatalog, type StripeApi } from "../../orchestrator/index.ts";
import type { AdminSessionInfo } from "./admin-auth.server";
import type { AppServices } from "~/services.server";
import type { AdminMessageKey } from "~/i18n/admin-messages";
import { DAYS_MAX, DAYS_MIN, PLAN_NAME, type TenantActionInput } from "~/forms/admin/tenant-action";
import { actionLabelKey, type AdminAction } from "./admin-action-names";
import { changePlanAtStripe } from "./admin-stripe.server";

/** A message for the admin, as a key of the console's translations and its values. */
export interface AdminMessage {
  key: AdminMessageKey;
  values?: Record<string, string | number>;
}

export class ActionRefused extends Error {
  override name = "ActionRefused";
  constructor(
    readonly reason: AdminMessage,
    /** The answer's status when the refusal is shown above the form (Stripe's refusals say whose fault). */
    readonly status: 400 | 409 | 502 | 503 = 400,
  ) {
    super(reason.key);
  }
}

const DAY = 86_400_000;

export async function performAdminAction(
  services: Pick<AppServices, "prisma" | "now"> & { config?: { plans: PlanCatalog }; orchestrator?: { stripe: Pick<StripeApi, "configured" | "changePlan"> } },
  session: AdminSessionInfo,
  tenantId: string,
  input: TenantActionInput,
): Promise<AdminMessage> {
  const plans = services.config?.plans;
  if (input.intent === "plan") {
    const viaStripe = await planChangeAtStripe(services, session.admin.email, tenantId, input.plan, plans);
    if (viaStripe) return viaStripe;
  }
  return services.prisma.$transaction((tx) => actOnTenant(tx, services.now(), session.admin.email, tenantId, input, plans), {
    maxWait: 10_000,
    timeout: 30_000,
  });
}

type TenantWithSubscription = Prisma.TenantGetPayload<{ include: { subscription: true } }>;

/** Refuses an action on a tenant that is gone or going (a failed destruction can only be retried). */
function guardTenant(tenant: TenantWithSubscription | null, action: AdminAction): asserts tenant is TenantWithSubscription {
  if (!tenant) throw new ActionRefused({ key: "refused.missing" });
  if (tenant.actualState === "destroyed") throw new ActionRefused({ key: "refused.destroyed" });
  // A tenant on its way out (or whose destruction failed) can only be destroyed again.
  if (tenant.desiredState === "destroyed" && action !== "retry_destroy") throw new ActionRefused({ key: "refused.destroying" });
}

/**
 * A plan of the catalogue (PLANS_FILE) only, other than the subscription's own; `values` are added
 * to the refusals (via: "stripe" on a Stripe-billed subscription).
 */
function planToChange(tenant: TenantWithSubscription, input: string, plans: PlanCatalog | undefined, values: Record<string, string> = {}) {
  const id = input.trim().toLowerCase();
  if (!PLAN_NAME.test(id)) throw new ActionRefused({ key: "refused.planName", ...(Object.keys(values).length > 0 ? { values } : {}) });
  const plan: Plan | undefined = id === LEGACY_TRIAL_PLAN ? undefined : plans?.get(id);
  if (!plan) throw new ActionRefused({ key: "refused.planUnknown", values: { ...values, plan: id } });
  if (!tenant.subscription) throw new ActionRefused({ key: "refused.noSubscription" });
  const from = tenant.subscription.plan;
  if (from === plan.id) throw new ActionRefused({ key: "refused.planSame", values: { ...values, plan: plan.id } });
  return { plan, subscription: tenant.subscription, from };
}

/**
 * The plan action on a subscription Stripe bills: checked as any plan change, then made at Stripe
 * (admin-stripe.server.ts), outside a transaction (the Stripe call holds no lock; the billing writer
 * takes the tenant's and subscription's). Null when Stripe does not bill it: the usual path.
 */
async function planChangeAtStripe(
  services: Parameters<typeof performAdminAction>[0],
  who: string,
  tenantId: string,
  input: string,
  plans: PlanCatalog | undefined,
): Promise<AdminMessage | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, include: { subscription: true } });
  if (!tenant?.subscription || !isStripeBilled(tenant.subscription)) return null;
  guardTenant(tenant, "plan");
  const { plan, subscription, from } = planToChange(tenant, input, plans, { via: "stripe" });
  const answer = await changePlanAtStripe(services, { tenantId, subscriptionId: subscription.id, from, to: plan.id, interval: subscription.billingInterval, adminEmail: who });
  if (!answer.ok) throw new ActionRefused(answer.reason, answer.status);
  return answer.message;
}

async function actOnTenant(
  tx: Prisma.TransactionClient,
  now: Date,
  who: string,
  tenantId: string,
  input: TenantActionInput,
  plans: PlanCatalog | undefined,
): Promise<AdminMessage> {
  const action = input.intent;
  await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR UPDATE`;
  const tenant = await tx.tenant.findUnique({ where: { id: tenantId }, include: { subscription: true } });
  guardTenant(tenant, action);
  const admin = { actorType: "admin", actorId: who } as const;
  const queue = async (kind: LifecycleAction, desired?: "active" | "suspended" | "destroyed"): Promise<AdminMessage> => {
    if (desired) await tx.tenant.update({ where: { id: tenantId }, data: { desiredState: desired } });
    const jobId = await requestJob(tx, {
      tenantId,
      kind,
      requestedBy: who,
      audit: { ...admin, action: `admin.${action}`, outcome: "queued" },
    });
    return { key: "result.queued", values: { action: actionLabelKey(action), job: jobId.slice(0, 8) } };
  };

  switch (input.intent) {
    case "suspend":
      return queue("suspend", "suspended");
    case "resume":
      return queue("resume", "active");
    case "restart":
      return queue("restart");
    case "retry":
      if (tenant.actualState !== "failed") throw new ActionRefused({ key: "refused.retry" });
      return queue("provision", "active");
    case "resend":
      return queue("resend_credentials");
    case "destroy":
      if (input.confirmSlug.trim() !== tenant.slug) {
        throw new ActionRefused({ key: "refused.slug", values: { slug: tenant.slug } });
      }
      return queue("destroy", "destroyed");
    case "retry_destroy":
      // The destroy job is idempotent: what the failed run removed stays removed.
      if (tenant.desiredState !== "destroyed" || tenant.actualState !== "failed") throw new ActionRefused({ key: "refused.retryDestroy" });
      return queue("destroy", "destroyed");
    case "extend": {
      // The form's schema checks the range too; here it is the model's invariant, whoever calls.
      const { days } = input;
      if (!Number.isInteger(days) || days < DAYS_MIN || days > DAYS_MAX) throw new ActionRefused({ key: "refused.days" });
      if (!tenant.subscription) throw new ActionRefused({ key: "refused.noSubscription" });
      const from = Math.max(now.getTime(), tenant.subscription.trialEndsAt?.getTime() ?? 0);
      const trialEndsAt = new Date(from + days * DAY);
      // The new end moves every later step: reminders (their keys carry the end), the expiry, and
      // the termination, which counts from expiredAt. An expired trial is a trial again, and a
      // tenant its expiry suspended is resumed (the tenant's row lock keeps the scheduler's trial
      // steps out until this commits; they re-check the subscription under that lock).
      const wasExpired = tenant.subscription.status === "expired";
      await tx.subscription.update({
        where: { id: tenant.subscription.id },
        data: { trialEndsAt, ...(wasExpired ? { status: "trialing", expiredAt: null } : {}) },
      });
      await writeAudit(tx, { ...admin, action: "admin.extend", tenantId, outcome: "succeeded", details: { days, trialEndsAt: trialEndsAt.toISOString() } });
      if (wasExpired && tenant.desiredState === "suspended") {
        await tx.tenant.update({ where: { id: tenantId }, data: { desiredState: "active" } });
        await requestJob(tx, {
          tenantId,
          kind: "resume",
          requestedBy: who,
          audit: { ...admin, action: "admin.resume", outcome: "queued", details: { cause: "extend" } },
        });
      }
      return { key: "result.extended", values: { days, date: trialEndsAt.toISOString().slice(0, 10) } };
    }
    case "plan": {
      // Not billed through Stripe (performAdminAction sent those to Stripe). The subscription's plan
      // changes here, with the change_plan job that applies the plan's limits to the running
      // containers and the entry naming who changed it, from what, to what. A trial given a plan by
      // an operator is converted, as before plans existed (a contract, an invoice paid outside Stripe).
      const { plan, subscription, from } = planToChange(tenant, input.plan, plans);
      // Linked to Stripe (a webhook) since performAdminAction looked: Stripe must make this change.
      if (isStripeBilled(subscription)) throw new ActionRefused({ key: "refused.planStripe.justLinked", values: { via: "stripe" } }, 409);
      const converting = subscription.status === "trialing";
      await tx.subscription.update({ where: { id: subscription.id }, data: { plan: plan.id, status: "active" } });
      const jobId = await requestJob(tx, {
        tenantId,
        kind: "change_plan",
        requestedBy: who,
        audit: { ...admin, action: "admin.plan", outcome: "queued", details: { from, to: plan.id } },
      });
      if (converting) await writeAudit(tx, { ...admin, action: "subscription.converted", tenantId, outcome: "succeeded", details: { plan: plan.id } });
      return { key: "result.plan", values: { plan: plan.id, job: jobId.slice(0, 8) } };
    }
  }
}

/** The refusal of an action (nothing else was written: the action's transaction rolled back). */
export async function recordRefusal(db: DatabaseWriter, who: string, tenantId: string, action: AdminAction, reason: AdminMessage) {
  await writeAudit(db, {
    actorType: "admin",
    actorId: who,
    action: `admin.${action}`,
    tenantId,
    outcome: "refused",
    details: { reason: reason.key, ...reason.values },
  });
}
