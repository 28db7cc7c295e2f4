// The customer's account page (issue 12; it began as the trial's status page): the instance's state
// and its provisioning steps in plain words, its address once ready, where the login details were
// sent, the days left in the trial or the plan and its billing state, and what the customer can do:
// subscribe or manage billing, resend the login details, export their data, close the account
// (forms posted to the trial.$token_.* routes, which come back here with a notice).
// Its address is the only key to it (a 256-bit random token, replaced by "send me my link"), so it
// is never listed or indexed. The internals of a failure are in the console only.
import { json, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useParams } from "@remix-run/react";
import { usePolling } from "~/hooks/use-polling";
import { translator, type MessageKey } from "~/i18n/messages";
import { accountTranslator, type AccountMessageKey } from "~/i18n/account";
import { resolveLocale } from "~/i18n/locale";
import { findAccount, type Account } from "~/models/account.server";
import { accountServices } from "~/models/account-wiring.server";
import { CustomDomains } from "~/components/custom-domains";
import { BillingCard, SelfServiceCards } from "~/components/account/account-cards";
import { customDomainCard } from "~/models/custom-domains.server";
import { useLocale } from "~/i18n/use-locale";

export const meta: MetaFunction = () => [
  { title: "Tenantry — Account / Espace client" },
  { name: "robots", content: "noindex, nofollow" },
];

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// States after which nothing changes without someone acting: no need to keep polling.
const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);
// The notices the action routes come back with (?notice=…, ?billing=…): anything else is ignored.
const NOTICES = new Set(["resent", "resend-refused", "close-confirm", "closing", "close-stripe", "closed-already", "billing-unavailable", "billing-refused", "billing-success", "billing-canceled"]);

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const locale = resolveLocale(request);
  const account = await findAccount(accountServices(context.services), params.token ?? "", locale);
  if (!account) throw new Response("Not found", { status: 404 });
  // Custom domains (issue 14): the card, once the instance is up (null when the feature is off).
  const live = (account.actualState === "active" || account.actualState === "suspended") && !account.closing;
  const customDomains = live ? await customDomainCard(context.services, account.tenantId) : null;
  const search = new URL(request.url).searchParams;
  const billing = search.get("billing");
  const asked = search.get("notice") ?? (billing ? `billing-${billing}` : null);
  const notice = asked && NOTICES.has(asked) ? asked : null;
  const { tenantId: _tenantId, ...shown } = account;
  // same-origin, not no-referrer: the page's address (its key) never leaves for another site, and its
  // plain forms still carry their Origin (under no-referrer a browser sends "Origin: null", which the
  // portal's cross-site check refuses).
  return json({ ...shown, customDomains, notice }, { headers: { "Cache-Control": "no-store", "Referrer-Policy": "same-origin" } });
}

function noticeText(notice: string, account: Pick<Account, "sentTo" | "slug">, locale: "en" | "fr"): string {
  return accountTranslator(locale)(`account.notice.${notice}` as AccountMessageKey, { email: account.sentTo, slug: account.slug });
}

export default function AccountPage() {
  const account = useLoaderData<typeof loader>();
  const params = useParams();
  const locale = useLocale();
  const t = translator(locale);
  const a = accountTranslator(locale);
  // After Stripe's Checkout, the paid plan arrives by webhook: keep looking until it does.
  const awaitingPayment = account.notice === "billing-success" && account.plan.status !== "active";
  const settled = SETTLED.has(account.actualState) && !awaitingPayment;
  usePolling({ every: 2000, while: !settled });
  const base = `/trial/${params.token ?? ""}`;
  const running = account.steps.find((step) => step.status === "running");
  const dateFormat = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long" });
  const date = (iso: string | null) => (iso ? dateFormat.format(new Date(iso)) : "—");
  const plan = account.plan;
  const failedNotice = account.notice === "close-confirm" || account.notice === "close-stripe" || account.notice === "billing-unavailable" || account.notice === "billing-refused" || account.notice === "resend-refused";
  return (
    <>
      <section className="card">
        {settled ? null : (
          <noscript>
            <meta httpEquiv="refresh" content="5" />
          </noscript>
        )}
        <h1>{a("account.title")}</h1>
        {account.notice ? (
          <p className={failedNotice ? "form-error" : "notice"} role={failedNotice ? "alert" : "status"} data-testid="notice">
            {noticeText(account.notice, account, locale)}
          </p>
        ) : null}
        <p>{t("status.greeting", { firstName: account.customer.firstName, company: account.customer.company })}</p>
        {account.actualState === "destroyed" ? <p data-testid="closed">{a("account.closed")}</p> : null}
        <dl className="facts">
          <dt>{t("status.plan")}</dt>
          <dd data-testid="plan">{plan.name ?? "—"}</dd>
          <dt>{a("account.planStatus")}</dt>
          <dd data-testid="plan-status" data-status={plan.status ?? ""}>
            {plan.status ? a(`account.status.${plan.status}` as AccountMessageKey, { date: date(plan.graceEndsAt) }) : "—"}
            {plan.status === "active" && plan.interval ? ` (${a(plan.interval === "year" ? "account.billedYearly" : "account.billedMonthly")})` : null}
          </dd>
          {plan.daysLeft !== null ? (
            <>
              <dt>{t("status.trialEnds")}</dt>
              <dd data-testid="trial-ends">
                {date(account.subscription?.trialEndsAt ? String(account.subscription.trialEndsAt) : null)}
                {" — "}
                <strong data-testid="days-left" data-days={plan.daysLeft}>
                  {plan.daysLeft > 1 ? a("account.daysLeft", { days: plan.daysLeft }) : plan.daysLeft === 1 ? a("account.dayLeft") : a("account.trialOver")}
                </strong>
              </dd>
            </>
          ) : null}
          {plan.status === "active" && plan.periodEnd ? (
            <>
              <dt>{a("account.planStatus")}</dt>
              <dd data-testid="period-end">{a(plan.cancelAtPeriodEnd ? "account.endsOn" : "account.renews", { date: date(plan.periodEnd) })}</dd>
            </>
          ) : null}
          <dt>{t("status.address")}</dt>
          <dd data-testid="slug">{account.slug}</dd>
          {account.address ? (
            <>
              <dt>{t("status.url")}</dt>
              <dd data-testid="tenant-address">
                <a href={account.address}>{account.address}</a>
              </dd>
            </>
          ) : null}
          <dt>{a("account.sentTo")}</dt>
          <dd data-testid="sent-to">{account.sentTo}</dd>
          <dt>{t("status.state")}</dt>
          <dd className="state" data-testid="state" data-state={account.actualState} aria-live="polite">
            {t(`state.${account.actualState}` as MessageKey)}
          </dd>
        </dl>
        <h2 id="progress-title">{t("status.steps")}</h2>
        {/* The part that changes while the page refreshes itself: screen readers announce it. */}
        <div role="status" aria-live="polite" aria-atomic="false" aria-labelledby="progress-title" data-testid="progress">
          {account.actualState === "failed" ? <p className="form-error">{t("status.failedDetail")}</p> : null}
          {running ? <p>{t("status.nowDoing", { step: t(running.label as MessageKey) })}</p> : null}
          {account.steps.length === 0 ? (
            <p className="muted">{t("status.noSteps")}</p>
          ) : (
            <ol className="steps">
              {account.steps.map((step) => (
                <li key={step.id} data-step={step.id} data-status={step.status}>
                  {`${t(step.label as MessageKey)} — ${t(`step.${step.status}` as MessageKey)}`}
                </li>
              ))}
            </ol>
          )}
        </div>
        {settled ? null : <p className="muted">{t("status.refreshing")}</p>}
        <p className="muted">
          {t("status.keep")} <a href="/trial">{a("link.lost")}</a>
        </p>
      </section>
      <BillingCard account={account} base={base} locale={locale} />
      {account.customDomains ? <CustomDomains card={account.customDomains} action={`${base}/domains`} canEdit locale={locale} /> : null}
      <SelfServiceCards account={account} base={base} locale={locale} />
    </>
  );
}
