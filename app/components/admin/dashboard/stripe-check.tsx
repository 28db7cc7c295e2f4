// The dashboard's notice of Stripe's boot check (issue 12): what Stripe refused (the key, a plan's
// price) with the setting to check, or that Stripe could not be reached when the portal started.
import type { Locale } from "~/i18n/locale";
import { stripeConsoleTranslator } from "~/i18n/stripe-console";
import type { StripeCheckView } from "~/models/admin-stripe.server";

export function StripeCheckNotice({ check, locale }: { check: StripeCheckView; locale: Locale }) {
  const t = stripeConsoleTranslator(locale);
  const problems = check.status === "problems";
  return (
    <section className="notice" role={problems ? "alert" : "status"} data-testid="stripe-check" style={problems ? { background: "#fef3f2", borderColor: "#fda29b" } : { background: "#fffaeb", borderColor: "#fedf89" }}>
      <strong>{t("stripeCheck.title")}</strong>
      {problems ? (
        <>
          <p>{t("stripeCheck.problems")}</p>
          <ul>
            {check.problems.map((p) => (
              <li key={p.message}>
                {p.message} {t(p.kind === "key" ? "stripeCheck.key" : "stripeCheck.price")}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t("stripeCheck.unreachable", { reason: check.error ?? "" })}</p>
      )}
    </section>
  );
}
