// The trial-lifecycle task: every 15 minutes, as of the run's time (context.asOf, never the wall
// clock), it reminds trials nearing their end (reminders.ts), expires and suspends unpaid trials
// that have ended (expiry.ts), and queues the termination of those expired long enough
// (termination.ts). Each decision is guarded in the database (an idempotency key, a conditional
// update under the tenant's row lock), so overlapping runs, a run taken over after a crash, or a
// `tasks run-due` beside a running portal act once. Its summary holds counts only.
import { everyMinutes } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { expireTrials } from "./expiry.ts";
import { sendTrialReminders } from "./reminders.ts";
import { terminateExpiredTrials } from "./termination.ts";

export function trialLifecycleTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "trial-lifecycle",
    description: "Reminds trials before their end, suspends unpaid trials at their end, terminates those suspended too long",
    period: everyMinutes(15),
    async run(context) {
      const { asOf, signal } = context;
      const reminded = await sendTrialReminders(
        { prisma: deps.prisma, secretBox: deps.secretBox, tenantUrl: deps.tenantUrl, portalUrl: deps.portalUrl, reminderDays: deps.time.trialReminderDays },
        asOf,
        signal,
      );
      const expiry = await expireTrials({ prisma: deps.prisma, secretBox: deps.secretBox, tenantUrl: deps.tenantUrl, portalUrl: deps.portalUrl }, asOf, signal);
      const terminating = await terminateExpiredTrials(
        { prisma: deps.prisma, suspendedDaysBeforeTermination: deps.time.suspendedDaysBeforeTermination },
        asOf,
        signal,
      );
      const summary = { reminded, expired: expiry.expired, suspendJobs: expiry.suspendJobs, terminating };
      if (reminded + expiry.expired + terminating > 0) context.logger.info("trial lifecycle", summary);
      return summary;
    },
  };
}
