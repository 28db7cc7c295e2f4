// The tenant page's "sync from Stripe" button (issue 12), for operators: posts to
// /admin/tenants/:id/stripe-sync through a fetcher and shows the answer; the Billing card's data is
// reloaded by Remix after the action.
import { useFetcher } from "@remix-run/react";
import { CsrfInput } from "~/components/csrf";
import type { Locale } from "~/i18n/locale";
import { stripeConsoleTranslator } from "~/i18n/stripe-console";

export function StripeSync({ tenantId, csrf, locale }: { tenantId: string; csrf: string; locale: Locale }) {
  const t = stripeConsoleTranslator(locale);
  const fetcher = useFetcher<{ message?: string; error?: string }>();
  return (
    <fetcher.Form method="post" action={`/admin/tenants/${tenantId}/stripe-sync`} data-testid="stripe-sync" style={{ marginTop: "0.5rem" }}>
      <CsrfInput token={csrf} />
      <button type="submit" disabled={fetcher.state !== "idle"} title={t("stripeSync.hint")}>
        {t("stripeSync.button")}
      </button>
      {fetcher.data?.message ? <p role="status" data-testid="stripe-sync-result">{fetcher.data.message}</p> : null}
      {fetcher.data?.error ? <p className="form-error" role="alert" data-testid="stripe-sync-error">{fetcher.data.error}</p> : null}
    </fetcher.Form>
  );
}
