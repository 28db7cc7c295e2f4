// SKELETON (to be filled in): the trial-lifecycle task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function trialLifecycleTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "trial-lifecycle",
    description: "not built yet",
    period: everyMinutes(15),
    run: async () => ({ built: false }),
  };
}
