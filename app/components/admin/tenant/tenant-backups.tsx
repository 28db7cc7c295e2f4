// The tenant page's Backups card (issue 13), for operators and owners: the tenant's backups (when,
// why, state, size, rows), a button taking one now, and for each finished backup a restore in place
// (confirmed with a tick: the current data is replaced, after its own backup) or into a new tenant
// (its slug given). The card loads its data from /admin/tenants/:id/backups, posts its forms there
// through a fetcher, shows the answer, and refreshes itself while a job is queued or running.
import type { useFetcher } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import type { Locale } from "~/i18n/locale";
import { tenantBackupTranslator, type TenantBackupMessageKey } from "~/i18n/tenant-backups";
import type { TenantBackupCard, TenantBackupView } from "~/models/admin-tenant-backups.server";
import { CardAnswerLine, useSelfLoadingCard, type CardAnswer } from "./self-loading-card";

export function TenantBackups({ tenantId, csrf, locale }: { tenantId: string; csrf: string; locale: Locale }) {
  const t = tenantBackupTranslator(locale);
  const action = `/admin/tenants/${tenantId}/backups`;
  const { data: card, form } = useSelfLoadingCard<TenantBackupCard>(action);
  return (
    <section className="card" style={{ marginTop: "1rem" }} data-testid="tenant-backups" aria-labelledby="tenant-backups-title">
      <h2 id="tenant-backups-title">{t("backups.title")}</h2>
      <p className="muted">{t("backups.intro")}</p>
      {!card ? (
        <p>{t("backups.loading")}</p>
      ) : (
        <>
          {card.active ? (
            <form.Form method="post" action={action}>
              <CsrfInput token={csrf} />
              <input type="hidden" name="intent" value="backup" />
              <button type="submit" disabled={form.state !== "idle"} data-testid="backup-take">
                {t("backups.take")}
              </button>
            </form.Form>
          ) : null}
          {card.busy ? <p className="muted" data-testid="backups-busy">{t("backups.busy")}</p> : null}
          {card.backups.length === 0 ? (
            <p data-testid="backups-none">{t("backups.none")}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>{t("backups.when")}</th>
                  <th>{t("backups.reason")}</th>
                  <th>{t("backups.status")}</th>
                  <th>{t("backups.size")}</th>
                  <th>{t("backups.rows")}</th>
                  <th>{t("backups.verify")}</th>
                  <th>{t("backups.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {card.backups.map((backup) => (
                  <BackupRow key={backup.id} backup={backup} canRestore={card.active} action={action} csrf={csrf} locale={locale} fetcher={form} />
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <CardAnswerLine answer={form.data} testId="backup" />
    </section>
  );
}

/** The scheduled restore check of the backup: passed, failed (the reason on hover and below), or not yet. */
function VerificationCell({ backup, locale }: { backup: TenantBackupView; locale: Locale }) {
  const t = tenantBackupTranslator(locale);
  const check = backup.verification;
  if (!check) return <td data-verify="none">{t("backups.verify.none")}</td>;
  const at = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(check.at));
  return (
    <td data-verify={check.status} title={check.error ?? undefined}>
      {t(check.status === "passed" ? "backups.verify.passed" : "backups.verify.failed", { date: at })}
      {check.error ? <div className="form-error">{check.error}</div> : null}
    </td>
  );
}

function BackupRow(props: { backup: TenantBackupView; canRestore: boolean; action: string; csrf: string; locale: Locale; fetcher: ReturnType<typeof useFetcher<CardAnswer>> }) {
  const { backup, fetcher, locale } = props;
  const t = tenantBackupTranslator(locale);
  const at = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(backup.createdAt)) + " UTC";
  const size = backup.sizeBytes === null ? "—" : `${(backup.sizeBytes / 1024 / 1024).toFixed(2)} MiB`;
  const known = (key: string) => key as TenantBackupMessageKey;
  const restorable = props.canRestore && backup.status === "succeeded";
  return (
    <tr data-backup={backup.id} data-status={backup.status}>
      <td>{at}</td>
      <td>{t(known(`backups.reason.${backup.reason}`))}</td>
      <td title={backup.error ?? undefined}>{t(known(`backups.status.${backup.status}`))}</td>
      <td>{size}</td>
      <td>{backup.rows ?? "—"}</td>
      <VerificationCell backup={backup} locale={locale} />
      <td>
        {restorable ? (
          <>
            <fetcher.Form method="post" action={props.action}>
              <CsrfInput token={props.csrf} />
              <input type="hidden" name="intent" value="restore" />
              <input type="hidden" name="backupId" value={backup.id} />
              <label>
                <input type="checkbox" name="confirm" value="yes" required data-testid="restore-confirm" /> {t("backups.confirm")}
              </label>{" "}
              <button type="submit" className="danger" disabled={fetcher.state !== "idle"} data-testid="restore-in-place">
                {t("backups.restoreInPlace")}
              </button>
            </fetcher.Form>
            <fetcher.Form method="post" action={props.action}>
              <CsrfInput token={props.csrf} />
              <input type="hidden" name="intent" value="restore-into" />
              <input type="hidden" name="backupId" value={backup.id} />
              <label>
                {t("backups.into")}{" "}
                <input name="into" placeholder={t("backups.intoPlaceholder")} autoComplete="off" spellCheck={false} required data-testid="restore-into-slug" />
              </label>{" "}
              <button type="submit" disabled={fetcher.state !== "idle"} data-testid="restore-into">
                {t("backups.restoreInto")}
              </button>
            </fetcher.Form>
          </>
        ) : null}
      </td>
    </tr>
  );
}
