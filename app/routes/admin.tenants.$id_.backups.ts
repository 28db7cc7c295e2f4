// /admin/tenants/:id/backups: the tenant page's Backups card (issue 13). GET answers the card's data
// (JSON); POST takes its forms (take a backup, restore in place, restore into a new tenant), each
// queued as a job and audited with the admin as actor by the orchestrator. Operators and owners
// only: a viewer is refused (403) like every console action. Answers are in the admin's language.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { formValues } from "~/forms/admin/form-values";
import { resolveLocale } from "~/i18n/locale";
import { tenantBackupTranslator } from "~/i18n/tenant-backups";
import { applyBackupForm, tenantBackupCard } from "~/models/admin-tenant-backups.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  requireRole(session, "operator");
  const card = await tenantBackupCard(context.services, params.id ?? "");
  if (!card) throw json({ message: tenantBackupTranslator(resolveLocale(request))("backups.refused.missing") }, { status: 404 });
  return json(card, { headers: { "Cache-Control": "no-store" } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const t = tenantBackupTranslator(resolveLocale(request));
  const outcome = await applyBackupForm(context.services, params.id ?? "", formValues(form), session.admin.email);
  return outcome.ok ? json({ message: t(outcome.key, outcome.values) }) : json({ error: t(outcome.key, outcome.values) }, { status: 400 });
}
