// The customer's data as a JSON download (the right of access): posted from the tenant page's
// "Customer's personal data" card with the session's CSRF token, by an operator or an owner.
// The orchestrator audits each export (customer.exported, ids only). Never cached.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { customerExportFile } from "~/models/customer-data.server";

// A download changes the audit log, so it is a POST; a GET (a typed or prefetched address) is refused.
export function loader({ request }: LoaderFunctionArgs) {
  throw json({ message: adminTranslator(resolveLocale(request))("dataRights.exportIsPost") }, { status: 405 });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const file = await customerExportFile(context.services.prisma, params.id ?? "", session, context.services.now());
  if (!file) throw json({ message: adminTranslator(resolveLocale(request))("dataRights.missing") }, { status: 404 });
  return new Response(file.text, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${file.fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
