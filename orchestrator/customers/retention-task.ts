// SKELETON (to be filled in): the retention task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function retentionTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "retention",
    description: "not built yet",
    period: daily(3),
    run: async () => ({ built: false }),
  };
}
