// One tenant: customer and subscription, its stack on the engine (state, health, ports, memory
// and CPU), its jobs and their steps, live logs, its audit trail, and the actions an operator may
// take, each confirmed and audited. The route reads, guards, parses the action form (zod) and calls
// the model; the page is put together from app/components/admin/tenant/.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { adminTitle } from "~/admin/meta";
import { assertCsrf, hasRole, requireAdmin, requireRole } from "~/admin/session.server";
import { useAdmin } from "~/admin/use-admin";
import { AuditTrail } from "~/components/admin/tenant/audit-trail";
import { CustomerData } from "~/components/admin/tenant/customer-data";
import { CustomDomains } from "~/components/custom-domains";
import { UsageChart } from "~/components/admin/tenant/usage-chart";
import { ContainersTable } from "~/components/admin/tenant/containers-table";
import { EngineObservation } from "~/components/admin/tenant/engine-observation";
import { JobsList } from "~/components/admin/tenant/jobs-list";
import { LiveLogs } from "~/components/admin/tenant/live-logs";
import { planChoices, RetryDestroy, TenantActions } from "~/components/admin/tenant/tenant-actions";
import { TenantFacts } from "~/components/admin/tenant/tenant-facts";
import { TenantHeader } from "~/components/admin/tenant/tenant-header";
import { TenantBackups } from "~/components/admin/tenant/tenant-backups";
import { TenantBilling } from "~/components/admin/tenant/tenant-billing";
import { StripeSync } from "~/components/admin/tenant/stripe-sync";
import { TenantVersion } from "~/components/admin/tenant/tenant-version";
import { formValues } from "~/forms/admin/form-values";
import { parseTenantAction } from "~/forms/admin/tenant-action";
import { usePolling } from "~/hooks/use-polling";
import { adminTranslator, type AdminMessageKey, type AdminTranslate } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { useLocale } from "~/i18n/use-locale";
import { ActionRefused, performAdminAction, recordRefusal, type AdminMessage } from "~/models/admin-actions.server";
import { tenantAudit, tenantDetail } from "~/models/admin-tenants.server";
import { tenantUsageSeries, USAGE_CHART_DAYS } from "~/models/admin-usage.server";
import { customerDataStatus } from "~/models/customer-data.server";
import { customDomainCard } from "~/models/custom-domains.server";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [{ title: adminTitle(matches, "nav.tenants", data?.tenant.slug) }];

const LIVE_USAGE_BUDGET_MS = 5_000;

/** The promise's value, or a rejection once `ms` have passed without one. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const { prisma, orchestrator } = context.services;
  const tenant = await tenantDetail(prisma, params.id ?? "", context.services.config.orchestrator.tenantUrl);
  if (!tenant) throw notFound(adminTranslator(resolveLocale(request)));
  const now = context.services.now();
  const [stack, usage, audit, usageSeries, dataRights, customDomains] = await Promise.all([
    orchestrator.status(tenant.id).catch((error: Error) => ({ error: error.message })),
    // Live CPU and memory take a stats sample per container: a slow engine (containers starting or
    // stopping) must not hold the page, which reloads every 2 s while a job runs; none shown then.
    withinMs(orchestrator.usage(tenant.id), LIVE_USAGE_BUDGET_MS).catch(() => []),
    tenantAudit(prisma, tenant.id),
    tenantUsageSeries(prisma, tenant.id, now),
    customerDataStatus(prisma, tenant.customerId),
    customDomainCard(context.services, tenant.id),
  ]);
  return json({
    tenant,
    stack,
    usage,
    audit: audit.map((a) => ({ ...a, id: String(a.id) })),
    canAct: hasRole(session, "operator"),
    usageSeries,
    usageAsOf: now.toISOString(),
    usageDays: USAGE_CHART_DAYS,
    dataRights: dataRights ? { ...dataRights, email: tenant.customer.email } : null,
    customDomains,
    plans: planChoices(context.services.config.plans),
  });
}

// Refusals that are not about the form but about the tenant as it is now: they get their own
// page (app/root.tsx's error boundary) instead of a line above the form.
const REFUSAL_STATUS: Partial<Record<AdminMessageKey, 404 | 409>> = {
  "refused.missing": 404,
  "refused.destroyed": 409,
  "refused.destroying": 409,
  "refused.retry": 409,
  "refused.retryDestroy": 409,
};

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = adminTranslator(resolveLocale(request));
  const tenantId = params.id ?? "";
  const who = session.admin.email;
  const parsed = parseTenantAction(formValues(form));
  if (!parsed.ok) {
    if (parsed.intent) await recordRefusal(context.services.prisma, who, tenantId, parsed.intent, parsed.error);
    return json({ error: say(t, parsed.error) }, { status: 400 });
  }
  const { intent } = parsed.input;
  try {
    return json({ message: say(t, await performAdminAction(context.services, session, tenantId, parsed.input)) });
  } catch (error) {
    if (!(error instanceof ActionRefused)) throw error;
    await recordRefusal(context.services.prisma, who, tenantId, intent, error.reason);
    const status = REFUSAL_STATUS[error.reason.key];
    if (status) throw json({ message: say(t, error.reason) }, { status });
    return json({ error: say(t, error.reason) }, { status: error.status });
  }
}

function notFound(t: AdminTranslate): Response {
  return json({ message: t("refused.missing") }, { status: 404 });
}

/** The message in the admin's language; an action named in it is translated too. */
function say(t: AdminTranslate, message: AdminMessage): string {
  const values = { ...message.values };
  if (typeof values.action === "string" && values.action.startsWith("action.")) values.action = t(values.action as AdminMessageKey);
  return t(message.key, values);
}

// States after which nothing changes without someone acting: the page stops refreshing itself.
const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);
const REFRESH_EVERY_MS = 2000;

export default function TenantPage() {
  const { tenant, stack, usage, audit, canAct, usageSeries, usageAsOf, usageDays, dataRights, customDomains, plans } = useLoaderData<typeof loader>();
  const locale = useLocale();
  const { csrf } = useAdmin();
  const result = useActionData<typeof action>();
  const t = adminTranslator(locale);
  const busy = !SETTLED.has(tenant.actualState) || tenant.jobs.some((j) => j.status === "queued" || j.status === "running");
  usePolling({ every: REFRESH_EVERY_MS, while: busy });
  const leaving = tenant.desiredState === "destroyed";
  return (
    <section>
      <TenantHeader tenant={tenant} result={result} t={t} />
      {canAct && tenant.actualState !== "destroyed" && !leaving ? (
        <TenantActions slug={tenant.slug} failed={tenant.actualState === "failed"} plans={plans} currentPlan={tenant.subscription?.plan ?? null} locale={locale} t={t} />
      ) : null}
      {canAct && leaving && tenant.actualState === "failed" ? <RetryDestroy slug={tenant.slug} t={t} /> : null}
      <TenantFacts tenant={tenant} t={t} />
      {customDomains ? (
        <CustomDomains card={customDomains} action={`/admin/tenants/${tenant.id}/domains`} csrf={csrf} canEdit={canAct && tenant.actualState !== "destroyed" && !leaving} locale={locale} />
      ) : null}
      <TenantVersion tenantId={tenant.id} csrf={csrf} locale={locale} canAct={canAct && tenant.actualState !== "destroyed" && !leaving} />
      {canAct && tenant.actualState !== "destroyed" ? <TenantBackups tenantId={tenant.id} csrf={csrf} locale={locale} /> : null}
      <TenantBilling tenantId={tenant.id} locale={locale} />
      {canAct && tenant.subscriptionId ? <StripeSync tenantId={tenant.id} csrf={csrf} locale={locale} /> : null}
      <EngineObservation tenant={tenant} t={t} />
      <ContainersTable stack={stack} usage={usage} t={t} />
      <UsageChart points={usageSeries} days={usageDays} now={usageAsOf} t={t} />
      <JobsList jobs={tenant.jobs} t={t} />
      <LiveLogs tenantId={tenant.id} t={t} />
      <AuditTrail entries={audit} t={t} />
      {dataRights ? <CustomerData data={dataRights} t={t} /> : null}
    </section>
  );
}
