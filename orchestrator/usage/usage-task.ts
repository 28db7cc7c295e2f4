// SKELETON (to be filled in): the usage task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function usageTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "usage",
    description: "not built yet",
    period: everyMinutes(deps.time.usageIntervalMinutes),
    run: async () => ({ built: false }),
  };
}
