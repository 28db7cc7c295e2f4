// /admin/tenants/:id/upgrade: the tenant page's Version card (issue 13). GET answers the card's data
// (JSON: the app image it runs, its upgrades), for every admin; POST takes the upgrade form (a new
// image for this tenant), operators and owners only, queued and audited by the orchestrator with
// the admin as actor. Answers are in the admin's language.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { formValues } from "~/forms/admin/form-values";
import { resolveLocale } from "~/i18n/locale";
import { upgradeTranslator } from "~/i18n/upgrades";
import { applyTenantUpgradeForm, tenantVersionCard } from "~/models/admin-upgrades.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const card = await tenantVersionCard(context.services, params.id ?? "");
  if (!card) throw json({ message: upgradeTranslator(resolveLocale(request))("upgrades.refused.missing") }, { status: 404 });
  return json(card, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = upgradeTranslator(resolveLocale(request));
  const outcome = await applyTenantUpgradeForm(context.services, params.id ?? "", formValues(form), session.admin.email);
  return outcome.ok ? json({ message: t(outcome.key, outcome.values) }) : json({ error: t(outcome.key, outcome.values) }, { status: 400 });
}
