// /admin/tenants/:id/billing: the tenant page's Billing card data (issue 12), as JSON: the
// subscription's Stripe state and its last Stripe events. Read only, for every signed-in admin.
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/admin/session.server";
import { billingTranslator } from "~/i18n/billing";
import { resolveLocale } from "~/i18n/locale";
import { tenantBillingCard } from "~/models/admin-billing.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const card = await tenantBillingCard(context.services, params.id ?? "");
  if (!card) throw json({ message: billingTranslator(resolveLocale(request))("billing.missing") }, { status: 404 });
  return json(card, { headers: { "Cache-Control": "no-store" } });
}
