// The periodic tasks as a table: what each does, when it runs, how its last run ended (with its
// counts) and when its next period starts.
import type { AdminMessageKey, AdminTranslate } from "~/i18n/admin-messages";

export interface TaskRow {
  name: string;
  description: string;
  period: string;
  nextPeriodAt: string;
  lastRun: { status: "running" | "succeeded" | "failed"; attempts: number; startedAt: string; finishedAt: string | null; summary?: unknown; error: string | null } | null;
}

const minute = (iso: string) => iso.slice(0, 16).replace("T", " ") + " UTC";

function summaryText(summary: unknown): string {
  if (!summary || typeof summary !== "object") return "";
  return Object.entries(summary as Record<string, unknown>)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
}

export function TaskTable({ tasks, t }: { tasks: TaskRow[]; t: AdminTranslate }) {
  const describe = (task: TaskRow) => {
    const key = `tasks.desc.${task.name}` as AdminMessageKey;
    const text = t(key);
    return text === key ? task.description : text;
  };
  return (
    <table className="table" data-testid="task-table">
      <thead>
        <tr>
          <th>{t("tasks.name")}</th>
          <th>{t("tasks.period")}</th>
          <th>{t("tasks.lastRun")}</th>
          <th>{t("tasks.next")}</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => {
          const run = task.lastRun;
          return (
            <tr key={task.name} data-task={task.name}>
              <td>
                <strong>{task.name}</strong>
                <div className="muted">{describe(task)}</div>
              </td>
              <td>{task.period}</td>
              <td>
                {run === null
                  ? t("tasks.never")
                  : run.status === "failed"
                    ? t("tasks.status.failed", { time: minute(run.finishedAt ?? run.startedAt), error: run.error ?? "" })
                    : t(`tasks.status.${run.status}`, { time: minute(run.finishedAt ?? run.startedAt) })}
                {run && run.attempts > 1 ? <span className="muted"> ({t("tasks.attempts", { n: run.attempts })})</span> : null}
                {run?.status === "succeeded" && summaryText(run.summary) ? <div className="muted">{summaryText(run.summary)}</div> : null}
              </td>
              <td>{minute(task.nextPeriodAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
