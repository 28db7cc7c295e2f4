import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useLocale } from "~/i18n/use-locale";
import { translator } from "~/i18n/messages";

export async function loader({ context }: LoaderFunctionArgs) {
  return { termsVersion: context.services.config.termsVersion };
}

// The vendor replaces this text with their own terms; the version shown is the one recorded with
// each consent (TERMS_VERSION).
export default function Terms() {
  const { termsVersion } = useLoaderData<typeof loader>();
  const t = translator(useLocale());
  return (
    <section className="card">
      <h1>{t("terms.title")}</h1>
      <p className="muted">Version {termsVersion}</p>
      <p>
        {useLocale() === "fr"
          ? "L'essai gratuit donne accès à une instance dédiée pendant la durée indiquée. Vos données vous appartiennent ; elles sont supprimées à la fin de l'essai si vous ne souscrivez pas d'abonnement."
          : "The free trial gives access to a dedicated instance for the period shown. Your data is yours; it is deleted at the end of the trial unless you subscribe."}
      </p>
      <Link to="/">{t("terms.back")}</Link>
    </section>
  );
}
