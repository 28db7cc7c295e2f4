// The status page a new customer lands on: their trial and their instance's provisioning, live.
// Its address is the only key to it (a 256-bit random token), so it is never listed or indexed.
// It says what happens in public words (app/models/trial-status.server.ts); the internals of a
// failure are in the console only.
import { json, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useParams } from "@remix-run/react";
import { usePolling } from "~/hooks/use-polling";
import { translator, type MessageKey } from "~/i18n/messages";
import { findTrialStatus } from "~/models/trial-status.server";
import { CustomDomains } from "~/components/custom-domains";
import { customDomainCard } from "~/models/custom-domains.server";
import { useLocale } from "~/i18n/use-locale";

export const meta: MetaFunction = () => [
  { title: "Tenantry — Trial / Essai" },
  { name: "robots", content: "noindex, nofollow" },
];

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// States after which nothing changes without someone acting: no need to keep polling.
const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);

export async function loader({ params, context }: LoaderFunctionArgs) {
  const status = await findTrialStatus(context.services.prisma, params.token ?? "", context.services.config.orchestrator.tenantUrl);
  if (!status) throw new Response("Not found", { status: 404 });
  // Custom domains (issue 14): the card, once the instance is up (null when the feature is off).
  const tenant = await context.services.prisma.tenant.findUniqueOrThrow({ where: { statusToken: params.token ?? "" }, select: { id: true } });
  const live = status.actualState === "active" || status.actualState === "suspended";
  const customDomains = live ? await customDomainCard(context.services, tenant.id) : null;
  return json({ ...status, customDomains }, { headers: { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}

export default function TrialStatusPage() {
  const status = useLoaderData<typeof loader>();
  const params = useParams();
  const locale = useLocale();
  const t = translator(locale);
  const settled = SETTLED.has(status.actualState);
  usePolling({ every: 2000, while: !settled });

  const running = status.steps.find((step) => step.status === "running");
  const dateFormat = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long" });
  return (
    <section className="card">
      {settled ? null : (
        <noscript>
          <meta httpEquiv="refresh" content="5" />
        </noscript>
      )}
      <h1>{t("status.title")}</h1>
      <p>{t("status.greeting", { firstName: status.customer.firstName, company: status.customer.company })}</p>
      <dl className="facts">
        <dt>{t("status.plan")}</dt>
        <dd data-testid="plan">{status.subscription?.plan ?? "—"}</dd>
        <dt>{t("status.trialEnds")}</dt>
        <dd data-testid="trial-ends">
          {status.subscription?.trialEndsAt ? dateFormat.format(new Date(status.subscription.trialEndsAt)) : "—"}
        </dd>
        <dt>{t("status.address")}</dt>
        <dd data-testid="slug">{status.slug}</dd>
        {status.address ? (
          <>
            <dt>{t("status.url")}</dt>
            <dd data-testid="tenant-address">
              <a href={status.address}>{status.address}</a>
            </dd>
          </>
        ) : null}
        <dt>{t("status.state")}</dt>
        <dd className="state" data-testid="state" data-state={status.actualState} aria-live="polite">
          {t(`state.${status.actualState}` as MessageKey)}
        </dd>
      </dl>
      <h2 id="progress-title">{t("status.steps")}</h2>
      {/* The part that changes while the page refreshes itself: screen readers announce it. */}
      <div role="status" aria-live="polite" aria-atomic="false" aria-labelledby="progress-title" data-testid="progress">
        {status.actualState === "failed" ? <p className="form-error">{t("status.failedDetail")}</p> : null}
        {running ? <p>{t("status.nowDoing", { step: t(running.label as MessageKey) })}</p> : null}
        {status.steps.length === 0 ? (
          <p className="muted">{t("status.noSteps")}</p>
        ) : (
          <ol className="steps">
            {status.steps.map((step) => (
              <li key={step.id} data-step={step.id} data-status={step.status}>
                {`${t(step.label as MessageKey)} — ${t(`step.${step.status}` as MessageKey)}`}
              </li>
            ))}
          </ol>
        )}
      </div>
      {settled ? null : <p className="muted">{t("status.refreshing")}</p>}
      <p className="muted">{t("status.keep")}</p>
      {status.customDomains ? <CustomDomains card={status.customDomains} action={`/trial/${params.token ?? ""}/domains`} canEdit locale={locale} /> : null}
    </section>
  );
}
