// Erasure of a customer's personal data (the right to be forgotten), posted by the tenant page's
// "Customer's personal data" card through a fetcher: an owner types the customer's email to
// confirm. Refused (and audited) while a tenant of the customer is not destroyed. The answer is
// JSON ({ message } or { error }) shown in the card; the page's data is then reloaded.
import { json, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { formValues } from "~/forms/admin/form-values";
import { adminTranslator } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { eraseCustomerData } from "~/models/customer-data.server";

const eraseForm = z.object({ confirmEmail: z.string().trim().min(1).max(254) });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "owner");
  const t = adminTranslator(resolveLocale(request));
  const parsed = eraseForm.safeParse(formValues(form));
  if (!parsed.success) return json({ error: t("dataRights.wrongEmail") }, { status: 400 });
  const result = await eraseCustomerData(context.services, params.id ?? "", parsed.data.confirmEmail, session, context.services.now());
  return result.ok ? json({ message: t(result.key) }) : json({ error: t(result.key, result.values) }, { status: result.status });
}
