// The weekly report to the operators, every Monday at 07:00 UTC, for the week before: its figures
// (weekly-report.ts) raised as one notification under `report.weekly:<period start>`, so a second
// run of the same period (another process, `tasks run-due`) raises nothing more.
import { weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { raiseNotification } from "./alerts.ts";
import { weeklyFigures } from "./weekly-report.ts";

export function weeklyReportTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "weekly-report",
    description: "Sends the operators the weekly report (signups, conversions, trials ending, failures, usage)",
    period: weekly(1, 7),
    async run(context) {
      const figures = await weeklyFigures(deps.prisma, context.periodStart);
      await raiseNotification(deps.prisma, {
        idempotencyKey: `report.weekly:${context.periodStart.toISOString()}`,
        kind: "report.weekly",
        severity: "info",
        title: `Weekly report, ${figures.weekStart.slice(0, 10)} to ${figures.weekEnd.slice(0, 10)}`,
        fields: figures,
      });
      return {
        signups: figures.signups,
        conversions: figures.conversions,
        trialsEndingSoon: figures.trialsEndingSoon,
        failedJobs: figures.failedJobs,
        failedActions: figures.failedActions,
      };
    },
  };
}
