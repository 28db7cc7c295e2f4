// The custom-domains card (issue 14), on the customer's status page and the console's tenant page:
// the DNS record to create, each domain with its state and what the last DNS check found, a form to
// add one and a button to remove each (when `canEdit`: the customer, or an operator in the console;
// a viewer sees the card only). Forms go through a fetcher to `action`; its answer shows here and
// the page's data is reloaded. An active domain whose record moved elsewhere shows a warning (when it
// will be disabled, the record to set back); a domain disabled for that, why and how it comes back.
import { useFetcher } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import { domainTranslator } from "~/i18n/custom-domains";
import type { Locale } from "~/i18n/locale";
import type { CustomDomainCard, CustomDomainView } from "~/models/custom-domains.server";

type Answer = { message?: string; error?: string };

export function CustomDomains({ card, action, csrf, canEdit, locale }: { card: CustomDomainCard; action: string; csrf?: string; canEdit: boolean; locale: Locale }) {
  const t = domainTranslator(locale);
  const fetcher = useFetcher<Answer>();
  const busy = fetcher.state !== "idle";
  const example = card.domains.find((d) => d.status === "pending")?.hostname ?? t("domains.placeholder");
  return (
    <section className="card" style={{ marginTop: "1rem" }} data-testid="custom-domains" aria-labelledby="custom-domains-title">
      <h2 id="custom-domains-title">{t("domains.title")}</h2>
      <p className="muted">{t("domains.intro", { days: card.graceDays })}</p>
      <h3>{t("domains.record")}</h3>
      <pre data-testid="dns-record">{t("domains.recordLine", { hostname: example, target: card.target })}</pre>
      <p className="muted">{t("domains.recordApex", { target: card.target })}</p>
      {card.domains.length === 0 ? (
        <p data-testid="domains-none">{t("domains.none")}</p>
      ) : (
        <ul className="domains">
          {card.domains.map((domain) => (
            <DomainItem key={domain.id} domain={domain} target={card.target} action={action} csrf={csrf} canEdit={canEdit} locale={locale} fetcher={fetcher} />
          ))}
        </ul>
      )}
      <p className="muted">{t("domains.used", { count: card.domains.length, limit: card.limit })}</p>
      {canEdit ? (
        <fetcher.Form method="post" action={action}>
          {csrf ? <CsrfInput token={csrf} /> : null}
          <input type="hidden" name="intent" value="add" />
          <label>
            {t("domains.field")}{" "}
            <input name="hostname" placeholder={t("domains.placeholder")} autoComplete="off" spellCheck={false} required data-testid="domain-input" />
          </label>{" "}
          <button type="submit" disabled={busy} data-testid="domain-add">
            {t("domains.add")}
          </button>
        </fetcher.Form>
      ) : null}
      <div aria-live="polite">
        {fetcher.data?.error ? <p className="form-error" role="alert" data-testid="domain-error">{fetcher.data.error}</p> : null}
        {fetcher.data?.message ? <p role="status" data-testid="domain-result">{fetcher.data.message}</p> : null}
      </div>
    </section>
  );
}

function DomainItem(props: {
  domain: CustomDomainView;
  target: string;
  action: string;
  csrf: string | undefined;
  canEdit: boolean;
  locale: Locale;
  fetcher: ReturnType<typeof useFetcher<Answer>>;
}) {
  const { domain, target, fetcher, locale } = props;
  const t = domainTranslator(locale);
  const check =
    domain.lastCheckResult === "points_at_target" || domain.lastCheckResult === "points_elsewhere" || domain.lastCheckResult === "no_record" || domain.lastCheckResult === "lookup_failed"
      ? t(`domains.check.${domain.lastCheckResult}`, { target, found: domain.lastCheckFound ?? "" })
      : t("domains.check.never");
  const at = domain.lastCheckedAt ? utcTime(domain.lastCheckedAt, locale) : null;
  const disabled = domain.status === "pending" && domain.misconfiguredSince !== null;
  const record = { hostname: domain.hostname, target };
  return (
    <li data-domain={domain.hostname} data-status={domain.status} data-misconfigured={domain.misconfiguredSince ? "yes" : undefined}>
      <strong>{domain.hostname}</strong> — <span data-testid="domain-status">{t(disabled ? "domains.status.disabled" : `domains.status.${domain.status}`)}</span>
      {domain.status === "active" && domain.misconfiguredSince && domain.disabledAfter ? (
        <p className="notice" role="status" style={WARNING} data-testid="domain-warning">
          {t("domains.warning.misconfigured", { ...record, since: utcTime(domain.misconfiguredSince, locale), until: utcTime(domain.disabledAfter, locale) })}
        </p>
      ) : null}
      {disabled && domain.misconfiguredSince ? (
        <p className="notice" role="status" style={WARNING} data-testid="domain-disabled">
          {t("domains.warning.disabled", { ...record, since: utcTime(domain.misconfiguredSince, locale) })}
        </p>
      ) : null}
      <br />
      <span className="muted">
        {check}
        {at ? ` ${t("domains.checkedAt", { at })}` : ""}
      </span>
      {props.canEdit ? (
        <fetcher.Form method="post" action={props.action} style={{ display: "inline", marginLeft: "0.5rem" }}>
          {props.csrf ? <CsrfInput token={props.csrf} /> : null}
          <input type="hidden" name="intent" value="remove" />
          <input type="hidden" name="domainId" value={domain.id} />
          <button type="submit" className="danger" aria-label={t("domains.remove", { hostname: domain.hostname })} disabled={fetcher.state !== "idle"}>
            {t("domains.removeShort")}
          </button>
        </fetcher.Form>
      ) : null}
    </li>
  );
}

const WARNING = { background: "#fffaeb", borderColor: "#fedf89", margin: "0.4rem 0" } as const;

function utcTime(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
}
