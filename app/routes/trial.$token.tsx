// The status page a new customer lands on: their trial and their instance's provisioning, live.
// Its address is the only key to it (a 256-bit random token), so it is never listed or indexed.
import { json, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { translator, type MessageKey } from "~/i18n/messages";
import { findTrialStatus } from "~/models/trial-status.server";
import { useLocale } from "~/root";

export const meta: MetaFunction = () => [
  { title: "Tenantry — Trial / Essai" },
  { name: "robots", content: "noindex, nofollow" },
];

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// States after which nothing changes without someone acting: no need to keep polling.
const SETTLED = new Set(["active", "failed", "suspended", "destroyed"]);

export async function loader({ params, context }: LoaderFunctionArgs) {
  const status = await findTrialStatus(context.services.prisma, params.token ?? "");
  if (!status) throw new Response("Not found", { status: 404 });
  return json(status, { headers: { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}

export default function TrialStatusPage() {
  const status = useLoaderData<typeof loader>();
  const locale = useLocale();
  const t = translator(locale);
  const settled = SETTLED.has(status.actualState);
  const revalidator = useRevalidator();
  useEffect(() => {
    if (settled) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [settled, revalidator]);

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
        <dt>{t("status.state")}</dt>
        <dd className="state" data-testid="state" data-state={status.actualState}>
          {t(`state.${status.actualState}` as MessageKey)}
        </dd>
      </dl>
      <h2>{t("status.steps")}</h2>
      {status.progress ? <p>{status.progress}</p> : null}
      {status.steps.length === 0 ? (
        <p className="muted">{t("status.noSteps")}</p>
      ) : (
        <ol className="steps">
          {status.steps.map((step) => (
            <li key={step.name} data-step={step.name} data-status={step.status}>
              {step.name} — {t(`step.${step.status}` as MessageKey)}
            </li>
          ))}
        </ol>
      )}
      {settled ? null : <p className="muted">{t("status.refreshing")}</p>}
      <p className="muted">{t("status.keep")}</p>
    </section>
  );
}
