// POST /admin/tenants/:id/stripe-sync: the tenant page's "sync from Stripe" (issue 12). Operators
// and owners only (a viewer gets 403), CSRF checked; the subscription is read from Stripe and applied
// (audited as subscription.synced with the admin as actor). Answers in the admin's language.
import { json, type ActionFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { resolveLocale } from "~/i18n/locale";
import { stripeConsoleTranslator } from "~/i18n/stripe-console";
import { syncTenantFromStripe } from "~/models/admin-stripe.server";

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = stripeConsoleTranslator(resolveLocale(request));
  const answer = await syncTenantFromStripe(context.services, params.id ?? "", session.admin.email);
  return answer.ok ? json({ message: t(answer.key, answer.values) }) : json({ error: t(answer.key, answer.values) }, { status: answer.status });
}
