// The tenant page's Billing card (issue 12): the subscription's Stripe state (our status and Stripe's,
// the price and interval, the period's end, a cancellation at its end, the grace's end) and its last
// Stripe events with what each did. Loaded from /admin/tenants/:id/billing through a fetcher.
import { useFetcher } from "@remix-run/react";
import { useEffect } from "react";
import { billingTranslator, formatMoney } from "~/i18n/billing";
import type { Locale } from "~/i18n/locale";
import type { TenantBillingCard } from "~/models/admin-billing.server";

const when = (value: string | null, locale: Locale) => (value ? new Date(value).toLocaleString(locale === "fr" ? "fr-FR" : "en-GB", { timeZone: "UTC" }) + " UTC" : "—");

export function TenantBilling({ tenantId, locale }: { tenantId: string; locale: Locale }) {
  const t = billingTranslator(locale);
  const fetcher = useFetcher<TenantBillingCard>();
  const { load } = fetcher;
  useEffect(() => {
    load(`/admin/tenants/${tenantId}/billing`);
  }, [load, tenantId]);
  const card = fetcher.data;
  const state = card?.state ?? null;
  const rows: [string, string][] = state
    ? [
        [t("billing.status"), state.status],
        [t("billing.stripeStatus"), state.stripeStatus ?? "—"],
        [
          t("billing.price"),
          state.priceAmount !== null && state.priceCurrency
            ? `${formatMoney(state.priceAmount, state.priceCurrency, locale)} ${state.billingInterval === "year" ? t("billing.interval.year") : t("billing.interval.month")} (${state.stripePriceId})`
            : (state.stripePriceId ?? "—"),
        ],
        [t("billing.periodEnd"), when(state.currentPeriodEnd, locale)],
        [t("billing.cancelAtPeriodEnd"), state.cancelAtPeriodEnd ? t("billing.yes") : t("billing.no")],
        [t("billing.graceEnds"), when(state.graceEndsAt, locale)],
        [t("billing.endedAt"), when(state.endedAt, locale)],
        [t("billing.customer"), state.stripeCustomerId ?? "—"],
        [t("billing.subscription"), state.stripeSubscriptionId ?? "—"],
      ]
    : [];
  return (
    <section className="card" style={{ marginTop: "1rem" }} data-testid="tenant-billing" aria-labelledby="tenant-billing-title">
      <h2 id="tenant-billing-title">{t("billing.title")}</h2>
      {!card ? (
        <p>{t("billing.loading")}</p>
      ) : (
        <>
          {!card.stripeConfigured ? <p className="muted" data-testid="billing-trial-only">{t("billing.trialOnly")}</p> : null}
          {state && !state.stripeSubscriptionId ? <p className="muted">{t("billing.notLinked")}</p> : null}
          {state ? (
            <dl data-testid="billing-state">
              {rows.map(([label, value]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          ) : null}
          <h3>{t("billing.events")}</h3>
          {!state || state.events.length === 0 ? (
            <p className="muted">{t("billing.events.none")}</p>
          ) : (
            <table data-testid="billing-events">
              <thead>
                <tr>
                  <th>{t("billing.event.created")}</th>
                  <th>{t("billing.event.type")}</th>
                  <th>{t("billing.event.outcome")}</th>
                  <th>{t("billing.event.received")}</th>
                </tr>
              </thead>
              <tbody>
                {state.events.map((e) => (
                  <tr key={e.id} title={e.id}>
                    <td>{when(e.createdAt, locale)}</td>
                    <td>
                      <code>{e.type}</code>
                    </td>
                    <td>{e.outcome}</td>
                    <td>{when(e.receivedAt, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
