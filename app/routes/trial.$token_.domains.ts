// POST /trial/:token/domains: the customer's custom-domain forms on their status page (issue 14),
// posted through a fetcher. The page's unguessable token is the key, as for the page itself; the
// portal refuses cross-site posts before Remix (app/http/same-origin.ts). Adds and removals are
// audited with the customer as actor (by the orchestrator). The answer is JSON in their language.
import { json, type ActionFunctionArgs } from "@remix-run/node";
import { formValues } from "~/forms/admin/form-values";
import { domainTranslator } from "~/i18n/custom-domains";
import { resolveLocale } from "~/i18n/locale";
import { applyDomainForm } from "~/models/custom-domains.server";

export async function action({ request, params, context }: ActionFunctionArgs) {
  const tenant = await context.services.prisma.tenant.findUnique({ where: { statusToken: params.token ?? "" }, select: { id: true, customerId: true } });
  if (!tenant) throw new Response("Not found", { status: 404 });
  const locale = resolveLocale(request);
  const outcome = await applyDomainForm(context.services, tenant.id, formValues(await request.formData()), { type: "customer", id: tenant.customerId });
  const t = domainTranslator(locale);
  if (!outcome) return json({ error: t("domains.refused.form") }, { status: 400 });
  const headers = { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" };
  return outcome.ok ? json({ message: t(outcome.key, outcome.values) }, { headers }) : json({ error: t(outcome.key, outcome.values) }, { status: 400, headers });
}
