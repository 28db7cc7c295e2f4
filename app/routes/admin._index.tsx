// Dashboard: the figures the vendor's team looks at first, and 30 days of signups and conversions.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { dashboardFigures } from "~/models/dashboard.server";
import { usageTotals } from "~/models/admin-usage.server";
import { UsageTotals } from "~/components/admin/dashboard/usage-totals";
import { useLocale } from "~/i18n/use-locale";
import { adminTitle } from "~/admin/meta";
import { Figure, SignupChart } from "~/components/admin/dashboard/figures";
import { BillingFigures, TrialOnlyBanner } from "~/components/admin/dashboard/billing-figures";
import { dashboardBilling } from "~/models/admin-billing.server";
import { stripeCheckView } from "~/models/admin-stripe.server";
import { StripeCheckNotice } from "~/components/admin/dashboard/stripe-check";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.dashboard") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const [figures, usage, billing] = await Promise.all([
    dashboardFigures(context.services.prisma, context.services.now()),
    usageTotals(context.services.prisma),
    dashboardBilling(context.services),
  ]);
  return { ...figures, usage, billing, stripeCheck: stripeCheckView(context.services) };
}

export default function Dashboard() {
  const figures = useLoaderData<typeof loader>();
  const locale = useLocale();
  const t = adminTranslator(locale);
  return (
    <section>
      <h1>{t("nav.dashboard")}</h1>
      {figures.billing.stripeConfigured ? null : <TrialOnlyBanner locale={locale} />}
      {figures.stripeCheck ? <StripeCheckNotice check={figures.stripeCheck} locale={locale} /> : null}
      <div className="figures">
        <Figure label={t("dashboard.activeTrials")} value={figures.activeTrials} testId="active-trials" />
        <Figure label={t("dashboard.endingSoon")} value={figures.endingSoon} testId="ending-soon" />
        <Figure label={t("dashboard.paying")} value={figures.paying} testId="paying" />
        <Figure label={t("dashboard.failed")} value={figures.failed} testId="failed" />
      </div>
      <SignupChart days={figures.days} t={t} />
      <BillingFigures billing={figures.billing} locale={locale} />
      <UsageTotals totals={figures.usage} t={t} />
    </section>
  );
}
