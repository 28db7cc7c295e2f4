// The dashboard's billing part (issue 12): the trial-only banner when Stripe is not configured,
// monthly recurring revenue per currency (with paying subscriptions by plan), and conversions per
// week (trial to paid) as a small table.
import { billingTranslator, formatMoney } from "~/i18n/billing";
import type { Locale } from "~/i18n/locale";
import type { DashboardBilling } from "~/models/admin-billing.server";

export function TrialOnlyBanner({ locale }: { locale: Locale }) {
  return (
    <p className="notice" style={{ background: "#fffaeb", borderColor: "#fedf89" }} role="status" data-testid="trial-only-banner">
      {billingTranslator(locale)("billing.trialOnly")}
    </p>
  );
}

export function BillingFigures({ billing, locale }: { billing: DashboardBilling; locale: Locale }) {
  const t = billingTranslator(locale);
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="billing-figures">
      <h2>{t("billing.mrr")}</h2>
      {billing.mrr.length === 0 ? (
        <p className="muted">{t("billing.mrr.none")}</p>
      ) : (
        <p data-testid="mrr">
          <strong>{billing.mrr.map((m) => formatMoney(m.amount, m.currency, locale)).join(" + ")}</strong>
        </p>
      )}
      {billing.unpricedPaying > 0 ? <p className="muted">{t("billing.mrr.unpriced", { count: billing.unpricedPaying })}</p> : null}
      {billing.paying.length > 0 ? (
        <>
          <h3>{t("billing.paying.byPlan")}</h3>
          <ul data-testid="paying-by-plan">
            {billing.paying.map((p) => (
              <li key={p.plan}>
                {p.plan}: {p.count}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>{t("billing.conversions")}</h3>
      <table data-testid="conversions-per-week">
        <tbody>
          {billing.conversionsPerWeek.map((w) => (
            <tr key={w.weekStart}>
              <td>{t("billing.week", { date: w.weekStart })}</td>
              <td>{w.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
