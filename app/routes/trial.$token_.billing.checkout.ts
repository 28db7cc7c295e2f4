// POST /trial/:token/billing/checkout: subscribe (issue 12). A Stripe Checkout session for the
// chosen plan and interval (the orchestrator's Stripe calls), then 303 to Stripe's page; Stripe
// comes back to the account page with ?billing=success or ?billing=canceled. Audited (customer).
import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { formValues } from "~/forms/admin/form-values";
import { checkoutForm } from "~/forms/account";
import { resolveLocale } from "~/i18n/locale";
import { startCheckout } from "~/models/account-actions.server";
import { accountActionServices, portalAddress } from "~/models/account-wiring.server";

export const loader = () => redirect("/trial", 303);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? "";
  const page = `/trial/${token}`;
  const parsed = checkoutForm.safeParse(formValues(await request.formData()));
  if (!parsed.success) return redirect(`${page}?notice=billing-refused`, 303);
  const outcome = await startCheckout(accountActionServices(context.services), token, {
    ...parsed.data,
    locale: resolveLocale(request),
    returnUrl: portalAddress(context.services, request, page),
  });
  if (!outcome) throw new Response("Not found", { status: 404 });
  return "url" in outcome ? redirect(outcome.url, 303) : redirect(`${page}?notice=${outcome.key.replace("account.notice.", "")}`, 303);
}
