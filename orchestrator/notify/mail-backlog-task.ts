// SKELETON (to be filled in): the mail-backlog task.
import { daily, everyMinutes, weekly } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";

void daily;
void everyMinutes;
void weekly;

export function mailBacklogTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "mail-backlog",
    description: "not built yet",
    period: everyMinutes(15),
    run: async () => ({ built: false }),
  };
}
