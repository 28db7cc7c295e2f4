// The tenant page's Version card (issue 13): the app image the tenant runs, its upgrades (from,
// to, outcome) and, for operators and owners while the tenant is active, a form upgrading it to a
// new image. Loads its data from /admin/tenants/:id/upgrade, posts there through a fetcher, shows
// the answer, and refreshes itself while an upgrade is in progress.
import { CsrfInput } from "~/components/csrf";
import type { Locale } from "~/i18n/locale";
import { upgradeTranslator, type UpgradeMessageKey } from "~/i18n/upgrades";
import type { TenantVersionCard } from "~/models/admin-upgrades.server";
import { CardAnswerLine, useSelfLoadingCard } from "./self-loading-card";

export function TenantVersion({ tenantId, csrf, locale, canAct }: { tenantId: string; csrf: string; locale: Locale; canAct: boolean }) {
  const t = upgradeTranslator(locale);
  const action = `/admin/tenants/${tenantId}/upgrade`;
  const { data, form } = useSelfLoadingCard<TenantVersionCard>(action);
  const at = (iso: string) => new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
  return (
    <section className="card" style={{ marginTop: "1rem" }} data-testid="tenant-version" aria-labelledby="tenant-version-title">
      <h2 id="tenant-version-title">{t("upgrades.version.title")}</h2>
      {!data ? (
        <p>{t("upgrades.version.loading")}</p>
      ) : (
        <>
          <p>
            {t("upgrades.version.image")} : <code data-testid="app-image">{data.appImage ?? t("upgrades.version.unknown")}</code>
          </p>
          {canAct ? <p className="muted">{t("upgrades.version.intro")}</p> : null}
          {canAct && data.active && !data.busy ? (
            <form.Form method="post" action={action}>
              <CsrfInput token={csrf} />
              <label>
                {t("upgrades.form.image")}{" "}
                <input name="image" placeholder={t("upgrades.form.imagePlaceholder")} autoComplete="off" spellCheck={false} required data-testid="upgrade-image" />
              </label>{" "}
              <button type="submit" disabled={form.state !== "idle"} data-testid="upgrade-submit">
                {t("upgrades.form.submit")}
              </button>
            </form.Form>
          ) : null}
          {canAct && !data.active ? <p className="muted">{t("upgrades.form.inactive")}</p> : null}
          {data.busy ? <p className="muted" data-testid="upgrade-busy">{t("upgrades.busy")}</p> : null}
          <h3>{t("upgrades.version.history")}</h3>
          {data.upgrades.length === 0 ? (
            <p data-testid="upgrades-none">{t("upgrades.version.none")}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t("upgrades.col.when")}</th>
                  <th>{t("upgrades.col.from")}</th>
                  <th>{t("upgrades.col.to")}</th>
                  <th>{t("upgrades.col.status")}</th>
                </tr>
              </thead>
              <tbody>
                {data.upgrades.map((u) => (
                  <tr key={u.runId} data-status={u.status}>
                    <td>{at(u.createdAt)}</td>
                    <td>{u.fromImage ?? "—"}</td>
                    <td>{u.image}</td>
                    <td title={u.error ?? undefined}>{t(`upgrades.status.${u.status}` as UpgradeMessageKey)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <CardAnswerLine answer={form.data} testId="upgrade" />
    </section>
  );
}
