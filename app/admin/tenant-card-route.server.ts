// The JSON resource route behind a card of the console's tenant page that loads its own data and
// takes its own forms (Backups, Version): GET answers the card (404 in the admin's language when
// the tenant is gone), POST checks the session, the CSRF token and the operator role, hands the
// form's values to the card's model and words its outcome in the admin's language (400 when
// refused). The models do the work and the orchestrator audits it; this only wires HTTP to them.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import type { AdminRole } from "../../prisma/generated/client.ts";
import { assertCsrf, requireAdmin, requireRole } from "~/admin/session.server";
import { formValues } from "~/forms/admin/form-values";
import type { Locale } from "~/i18n/locale";
import { resolveLocale } from "~/i18n/locale";
import type { Translator } from "~/i18n/messages";
import type { AppServices } from "~/services.server";

export interface CardFormOutcome<Key extends string> {
  ok: boolean;
  key: Key;
  values?: Record<string, string | number>;
}

export interface TenantCardRoute<Key extends string, Card> {
  /** Who may read the card: every admin when absent. */
  readRole?: AdminRole;
  translator(locale: Locale): Translator<Key>;
  /** The message of the 404 for a tenant that does not exist. */
  missingKey: Key;
  card(services: AppServices, tenantId: string): Promise<Card | null>;
  applyForm(services: AppServices, tenantId: string, values: Record<string, string>, adminEmail: string): Promise<CardFormOutcome<Key>>;
}

export function tenantCardRoute<Key extends string, Card>(route: TenantCardRoute<Key, Card>) {
  async function loader({ request, params, context }: LoaderFunctionArgs) {
    const session = await requireAdmin(request, context.services);
    if (route.readRole) requireRole(session, route.readRole);
    const card = await route.card(context.services, params.id ?? "");
    if (!card) throw json({ message: route.translator(resolveLocale(request))(route.missingKey) }, { status: 404 });
    return json(card, { headers: { "Cache-Control": "no-store" } });
  }

  async function action({ request, params, context }: ActionFunctionArgs) {
    const session = await requireAdmin(request, context.services);
    const form = await request.formData();
    assertCsrf(form, session);
    requireRole(session, "operator");
    const t = route.translator(resolveLocale(request));
    const outcome = await route.applyForm(context.services, params.id ?? "", formValues(form), session.admin.email);
    return outcome.ok ? json({ message: t(outcome.key, outcome.values) }) : json({ error: t(outcome.key, outcome.values) }, { status: 400 });
  }

  return { loader, action };
}
