// The last 200 lines of one tenant service's logs, as JSON: the tenant page's live logs poll this
// every two seconds while the tab is visible (app/components/admin/tenant/live-logs.tsx).
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "~/admin/session.server";

const LOG_LINES = 200;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  const service = new URL(request.url).searchParams.get("service") === "postgres" ? "postgres" : "app";
  const text = await context.services.orchestrator
    .logs(params.id ?? "", service, LOG_LINES)
    .catch((error: Error) => `(no logs: ${error.message})`);
  return json({ service, text }, { headers: { "Cache-Control": "no-store" } });
}
