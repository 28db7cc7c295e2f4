// SKELETON (to be filled in): the weekly-report task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function weeklyReportTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "weekly-report",
    description: "not built yet",
    period: weekly(1, 7),
    run: async () => ({ built: false }),
  };
}
