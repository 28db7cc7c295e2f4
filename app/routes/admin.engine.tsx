// The engine page: whether the engine answers, the reconciliation's last run, the tenants it did
// not see running or flagged for an operator, and the strays (resources with our labels that
// belong to no tenant), which Tenantry never removes: the page says how to remove one by hand.
// Read-only for every admin role; it refreshes itself every half minute.
import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { adminTitle } from "~/admin/meta";
import { requireAdmin } from "~/admin/session.server";
import { AttentionTable } from "~/components/admin/engine/attention-table";
import { EngineStatus } from "~/components/admin/engine/engine-status";
import { StraysTable } from "~/components/admin/engine/strays-table";
import { usePolling } from "~/hooks/use-polling";
import { adminTranslator } from "~/i18n/admin-messages";
import { useLocale } from "~/i18n/use-locale";
import { enginePage } from "~/models/admin-engine.server";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.engine") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  return json(await enginePage(context.services.prisma, context.services.orchestrator), { headers: { "Cache-Control": "no-store" } });
}

const REFRESH_EVERY_MS = 30_000;

export default function EnginePageRoute() {
  const { status, attention, strays } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  usePolling({ every: REFRESH_EVERY_MS, while: true });
  return (
    <section>
      <h1>{t("engine.title")}</h1>
      <EngineStatus status={status} t={t} />
      <AttentionTable tenants={attention} t={t} />
      <StraysTable strays={strays} t={t} />
    </section>
  );
}
