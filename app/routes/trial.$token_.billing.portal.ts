// POST /trial/:token/billing/portal: manage billing (issue 12). A Stripe Customer Portal session
// (card, invoices, cancel), then 303 to it; Stripe's "return" comes back to the account page.
// Audited (customer).
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { resolveLocale } from "~/i18n/locale";
import { openBillingPortal } from "~/models/account-actions.server";
import { accountActionServices, portalAddress } from "~/models/account-wiring.server";

export const loader = () => redirect("/trial", 303);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const page = `/trial/${token}`;
  const outcome = await openBillingPortal(accountActionServices(context.services), token, {
    locale: resolveLocale(request),
    returnUrl: portalAddress(context.services, request, page),
  });
  if (!outcome) throw new Response("Not found", { status: 404 });
  return "url" in outcome ? redirect(outcome.url, 303) : redirect(`${page}?notice=${outcome.key.replace("account.notice.", "")}`, 303);
}
