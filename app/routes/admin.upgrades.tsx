// The Upgrades page (issue 13): several tenants moved to a new app image in batches — all active
// tenants or a plan's, n at a time (a batch with a failure stops the run) — and the latest runs with
// each tenant's batch and outcome. Every admin sees the runs; operators and owners start them
// (audited by the orchestrator with the admin as actor). Refreshes itself while a run is going on.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { metaLocale } from "~/admin/meta";
import { assertCsrf, hasRole, requireAdmin, requireRole } from "~/admin/session.server";
import { useAdmin } from "~/admin/use-admin";
import { CsrfInput } from "~/components/csrf";
import { formValues } from "~/forms/admin/form-values";
import { usePolling } from "~/hooks/use-polling";
import { resolveLocale } from "~/i18n/locale";
import { upgradeTranslator, type UpgradeMessageKey } from "~/i18n/upgrades";
import { useLocale } from "~/i18n/use-locale";
import { applyBulkUpgradeForm, upgradesPage } from "~/models/admin-upgrades.server";

export const meta: MetaFunction = ({ matches }) => [{ title: `Tenantry — ${upgradeTranslator(metaLocale(matches))("upgrades.page.title")}` }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const page = await upgradesPage(context.services);
  return json({ ...page, canAct: hasRole(session, "operator") }, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = upgradeTranslator(resolveLocale(request));
  const outcome = await applyBulkUpgradeForm(context.services, formValues(form), session.admin.email);
  return outcome.ok ? json({ message: t(outcome.key, outcome.values) }) : json({ error: t(outcome.key, outcome.values) }, { status: 400 });
}

export default function Upgrades() {
  const { runs, plans, canAct } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const locale = useLocale();
  const { csrf } = useAdmin();
  const t = upgradeTranslator(locale);
  usePolling({ every: 2000, while: runs.some((run) => run.status === "running") });
  const at = (iso: string) => new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
  const status = (value: string) => t(`upgrades.status.${value}` as UpgradeMessageKey);
  return (
    <section>
      <h1>{t("upgrades.page.title")}</h1>
      <p className="muted">{t("upgrades.page.intro")}</p>
      {canAct ? (
        <Form method="post" className="card" data-testid="bulk-upgrade">
          <CsrfInput token={csrf} />
          <p>
            <label>
              {t("upgrades.form.image")}{" "}
              <input name="image" placeholder={t("upgrades.form.imagePlaceholder")} autoComplete="off" spellCheck={false} required data-testid="bulk-image" />
            </label>
          </p>
          <fieldset>
            <legend>{t("upgrades.page.scope")}</legend>
            <label>
              <input type="radio" name="scope" value="all" defaultChecked /> {t("upgrades.page.scopeAll")}
            </label>{" "}
            <label>
              <input type="radio" name="scope" value="plan" /> {t("upgrades.page.scopePlan")}{" "}
              <select name="plan" data-testid="bulk-plan">
                <option value="">—</option>
                {plans.map((plan) => (
                  <option key={plan} value={plan}>
                    {plan}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
          <p>
            <label>
              {t("upgrades.page.batch")} <input name="batch" type="number" min={1} max={50} defaultValue={2} required data-testid="bulk-batch" />
            </label>{" "}
            <button type="submit" disabled={navigation.state !== "idle"} data-testid="bulk-submit">
              {t("upgrades.page.submit")}
            </button>
          </p>
        </Form>
      ) : (
        <p className="muted">{t("upgrades.page.readOnly")}</p>
      )}
      <div aria-live="polite">
        {result && "error" in result ? <p className="form-error" role="alert" data-testid="bulk-error">{result.error}</p> : null}
        {result && "message" in result ? <p role="status" data-testid="bulk-result">{result.message}</p> : null}
      </div>
      <h2>{t("upgrades.page.runs")}</h2>
      {runs.length === 0 ? <p data-testid="runs-none">{t("upgrades.page.noRuns")}</p> : null}
      {runs.map((run) => (
        <article key={run.id} className="card" data-testid="upgrade-run" data-status={run.status} style={{ marginTop: "1rem" }}>
          <h3>
            {run.image} — {status(run.status)}
          </h3>
          <p className="muted">
            {at(run.createdAt)} · {t("upgrades.col.scope")} : {run.scope} · {t("upgrades.page.batch")} : {run.batchSize} · {t("upgrades.col.by")} : {run.requestedBy}
          </p>
          <table>
            <thead>
              <tr>
                <th>{t("upgrades.col.batch")}</th>
                <th>{t("upgrades.col.tenant")}</th>
                <th>{t("upgrades.col.from")}</th>
                <th>{t("upgrades.col.status")}</th>
              </tr>
            </thead>
            <tbody>
              {run.tenants.map((item) => (
                <tr key={item.tenantId} data-status={item.status}>
                  <td>{item.batch + 1}</td>
                  <td>
                    <Link to={`/admin/tenants/${item.tenantId}`}>{item.slug}</Link>
                  </td>
                  <td>{item.fromImage ?? "—"}</td>
                  <td title={item.error ?? undefined}>{status(item.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </section>
  );
}
