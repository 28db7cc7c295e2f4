// The actions an operator may take on a tenant, each a form posted to the tenant page's action
// with the session's CSRF token; lifecycle actions ask for a confirmation first, destroying asks
// for the slug typed out. A tenant whose destruction failed offers only its retry.
import { Form, useNavigation } from "@remix-run/react";
import type { FormEvent, ReactNode } from "react";
import { useAdmin } from "~/admin/use-admin";
import { CsrfInput } from "~/components/csrf";
import type { PlanCatalog } from "../../../../orchestrator/index.ts";
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { Locale } from "~/i18n/locale";
import { actionLabelKey, type AdminAction } from "~/models/admin-action-names";
import { DAYS_DEFAULT, DAYS_MAX, DAYS_MIN } from "~/forms/admin/tenant-action";

/** A plan of the catalogue as the plan change offers it (the loader's planChoices). */
export interface PlanChoice {
  id: string;
  names: { en: string; fr: string };
  memoryMb: number;
  cpus: number;
}

/** The catalogue's plans, in its order, for the plan change's list. */
export function planChoices(plans: PlanCatalog): PlanChoice[] {
  return plans.all().map((plan) => ({ id: plan.id, names: { ...plan.names }, memoryMb: plan.limits.memoryMb, cpus: plan.limits.cpus }));
}

export function TenantActions(props: {
  slug: string;
  failed: boolean;
  /** The plan change picks from the catalogue (PLANS_FILE); the tenant's own plan is not offered. */
  plans: PlanChoice[];
  currentPlan: string | null;
  locale: Locale;
  t: AdminTranslate;
}) {
  const { slug, failed, plans, currentPlan, locale, t } = props;
  const busy = useNavigation().state !== "idle";
  const confirmFirst = confirmBefore(slug, t);
  const simple: AdminAction[] = ["suspend", "resume", "restart", "resend", ...(failed ? (["retry"] as AdminAction[]) : [])];
  return (
    <div className="actions card">
      {simple.map((a) => (
        <ActionForm key={a} intent={a} onSubmit={confirmFirst(a)}>
          <button type="submit" disabled={busy}>{t(actionLabelKey(a))}</button>
        </ActionForm>
      ))}
      <ActionForm intent="extend" onSubmit={confirmFirst("extend")}>
        <input name="days" type="number" min={DAYS_MIN} max={DAYS_MAX} defaultValue={DAYS_DEFAULT} aria-label={t("tenant.days")} />
        <button type="submit" disabled={busy}>{t("action.extend")}</button>
      </ActionForm>
      <ActionForm intent="plan" onSubmit={confirmFirst("plan")}>
        <select name="plan" aria-label={t("list.plan")} required defaultValue="" data-testid="plan-choice">
          <option value="" disabled>
            {t("tenant.planPlaceholder")}
          </option>
          {plans.map((plan) => (
            <option key={plan.id} value={plan.id} disabled={plan.id === currentPlan}>
              {t("tenant.planOption", { name: plan.names[locale], plan: plan.id, memoryMb: plan.memoryMb, cpus: plan.cpus })}
            </option>
          ))}
        </select>
        <button type="submit" disabled={busy}>{t("action.plan")}</button>
      </ActionForm>
      <ActionForm intent="destroy">
        <input name="confirmSlug" placeholder={t("tenant.typeSlug", { slug })} aria-label={t("tenant.confirmSlug")} required />
        <button type="submit" className="danger" disabled={busy}>{t("action.destroy")}</button>
      </ActionForm>
    </div>
  );
}

// A destruction that failed: the tenant is kept from every other action; this runs it again.
export function RetryDestroy({ slug, t }: { slug: string; t: AdminTranslate }) {
  const busy = useNavigation().state !== "idle";
  const confirmFirst = confirmBefore(slug, t);
  return (
    <div className="actions card">
      <p className="form-error">{t("tenant.destroyFailed")}</p>
      <ActionForm intent="retry_destroy" onSubmit={confirmFirst("retry_destroy")}>
        <button type="submit" className="danger" disabled={busy}>{t("action.retry_destroy")}</button>
      </ActionForm>
    </div>
  );
}

/** "Suspend: acme?" — the form is sent only if the operator says yes. */
function confirmBefore(slug: string, t: AdminTranslate) {
  return (action: AdminAction) => (event: FormEvent<HTMLFormElement>) => {
    if (!window.confirm(t("tenant.confirm", { action: t(actionLabelKey(action)), slug }))) event.preventDefault();
  };
}

function ActionForm(props: { intent: AdminAction; onSubmit?: (event: FormEvent<HTMLFormElement>) => void; children: ReactNode }) {
  const { csrf } = useAdmin();
  return (
    <Form method="post" onSubmit={props.onSubmit}>
      <CsrfInput token={csrf} />
      <input type="hidden" name="intent" value={props.intent} />
      {props.children}
    </Form>
  );
}
