// The periodic tasks (reconciliation, trials, usage, retention, reports): what ran last and when
// the next period starts. Read-only; every admin may look.
import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { adminTitle } from "~/admin/meta";
import { requireAdmin } from "~/admin/session.server";
import { TaskTable } from "~/components/admin/tasks/task-table";
import { usePolling } from "~/hooks/use-polling";
import { adminTranslator } from "~/i18n/admin-messages";
import { useLocale } from "~/i18n/use-locale";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "tasks.title") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context.services);
  return json({ tasks: await context.services.orchestrator.listTasks() }, { headers: { "Cache-Control": "no-store" } });
}

export default function Tasks() {
  const { tasks } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  usePolling({ every: 15_000, while: true });
  return (
    <section>
      <h1>{t("tasks.title")}</h1>
      <p className="muted">{t("tasks.intro")}</p>
      <div className="card">
        <TaskTable tasks={tasks} t={t} />
      </div>
    </section>
  );
}
