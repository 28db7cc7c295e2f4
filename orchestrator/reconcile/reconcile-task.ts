// SKELETON (to be filled in): the reconcile task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function reconcileTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "reconcile",
    description: "not built yet",
    period: everyMinutes(deps.time.reconcileIntervalMinutes),
    run: async () => ({ built: false }),
  };
}
