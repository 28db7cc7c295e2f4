// The account page's cards (issue 12): subscribe (plan and interval) or manage billing, resend my
// login details, export my data, close my account. Plain HTML forms posted to the page's resource
// routes (trial.$token_.*): they work without JavaScript, and a Stripe page is a plain redirect.
import { accountTranslator } from "~/i18n/account";
import type { Locale } from "~/i18n/locale";
import type { Account } from "~/models/account.server";

type Props = { account: Pick<Account, "closing" | "billing" | "actualState" | "sentTo" | "slug" | "keptDays">; base: string; locale: Locale };

export function BillingCard({ account, base, locale }: Props) {
  const t = accountTranslator(locale);
  const { billing } = account;
  if (account.closing) return null;
  if (billing.canManage) {
    return (
      <section className="card" style={{ marginTop: "1rem" }} data-testid="billing-manage" aria-labelledby="billing-manage-title">
        <h2 id="billing-manage-title">{t("account.manage.title")}</h2>
        <p className="muted">{t("account.manage.intro")}</p>
        <form method="post" action={`${base}/billing/portal`}>
          <button type="submit">{t("account.manage.submit")}</button>
        </form>
      </section>
    );
  }
  if (!billing.canSubscribe) {
    return billing.configured ? null : (
      <p className="muted" data-testid="billing-off">
        {t("account.billing.off")}
      </p>
    );
  }
  if (billing.plans.length === 0) return <p className="muted" data-testid="billing-none">{t("account.subscribe.none")}</p>;
  const first = billing.plans[0]!;
  return (
    <section className="card" style={{ marginTop: "1rem" }} data-testid="subscribe" aria-labelledby="subscribe-title">
      <h2 id="subscribe-title">{t("account.subscribe.title")}</h2>
      <p className="muted">{t("account.subscribe.intro")}</p>
      {billing.handoff ? <p className="muted">{t("account.subscribe.handoff")}</p> : null}
      <form method="post" action={`${base}/billing/checkout`}>
        <fieldset className="field">
          <legend>{t("account.subscribe.plan")}</legend>
          {billing.plans.map((plan) => (
            <label key={plan.id} style={{ display: "block" }}>
              <input type="radio" name="plan" value={plan.id} defaultChecked={plan.id === first.id} /> {plan.name}
            </label>
          ))}
        </fieldset>
        <fieldset className="field">
          <legend>{t("account.subscribe.interval")}</legend>
          <label style={{ display: "block" }}>
            <input type="radio" name="interval" value="month" defaultChecked /> {t("account.subscribe.monthly")}
          </label>
          <label style={{ display: "block" }}>
            <input type="radio" name="interval" value="year" /> {t("account.subscribe.yearly")}
          </label>
        </fieldset>
        <button type="submit">{t("account.subscribe.submit")}</button>
      </form>
    </section>
  );
}

export function SelfServiceCards({ account, base, locale }: Props) {
  const t = accountTranslator(locale);
  if (account.actualState === "destroyed") return null;
  return (
    <>
      {account.actualState === "active" && !account.closing ? (
        <section className="card" style={{ marginTop: "1rem" }} data-testid="resend" aria-labelledby="resend-title">
          <h2 id="resend-title">{t("account.resend.title")}</h2>
          <p className="muted">{t("account.resend.intro", { email: account.sentTo })}</p>
          <form method="post" action={`${base}/resend`}>
            <button type="submit">{t("account.resend.submit")}</button>
          </form>
        </section>
      ) : null}
      <section className="card" style={{ marginTop: "1rem" }} data-testid="export" aria-labelledby="export-title">
        <h2 id="export-title">{t("account.export.title")}</h2>
        <p className="muted">{t("account.export.intro")}</p>
        <form method="post" action={`${base}/export`}>
          <button type="submit">{t("account.export.submit")}</button>
        </form>
      </section>
      {account.closing ? null : (
        <section className="card" style={{ marginTop: "1rem" }} data-testid="close" aria-labelledby="close-title">
          <h2 id="close-title">{t("account.close.title")}</h2>
          <p>{t("account.close.data")}</p>
          {account.billing.canManage ? <p>{t("account.close.stripe")}</p> : null}
          <p className="muted">{t("account.close.kept", { days: account.keptDays })}</p>
          <form method="post" action={`${base}/close`}>
            <div className="field">
              <label htmlFor="close-confirm">{t("account.close.confirm", { slug: account.slug })}</label>
              <input id="close-confirm" name="confirm" autoComplete="off" required />
            </div>
            <button type="submit" className="danger">
              {t("account.close.submit")}
            </button>
          </form>
        </section>
      )}
    </>
  );
}
