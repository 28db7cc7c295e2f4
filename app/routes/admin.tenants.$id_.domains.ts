// POST /admin/tenants/:id/domains: the console's custom-domain forms (issue 14), posted by the tenant
// page's card through a fetcher. Operators and owners add or remove a domain (audited with the admin
// as actor, by the orchestrator); a viewer is refused (403) like every console action. The answer is
// JSON ({ message } or { error }) in the admin's language.
import { json, type ActionFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { formValues } from "~/forms/admin/form-values";
import { domainTranslator } from "~/i18n/custom-domains";
import { resolveLocale } from "~/i18n/locale";
import { applyDomainForm } from "~/models/custom-domains.server";

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const locale = resolveLocale(request);
  const outcome = await applyDomainForm(context.services, params.id ?? "", formValues(form), { type: "admin", id: session.admin.email });
  const t = domainTranslator(locale);
  if (!outcome) return json({ error: t("domains.refused.form") }, { status: 400 });
  return outcome.ok ? json({ message: t(outcome.key, outcome.values) }) : json({ error: t(outcome.key, outcome.values) }, { status: 400 });
}
