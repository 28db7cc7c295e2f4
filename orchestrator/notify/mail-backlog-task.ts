// Undeliverable email piling up: every 15 minutes, the outbox's messages that failed, or that are
// still pending or sending more than an hour after they were queued, are counted; at or above the
// threshold the operators are alerted, once a day at most (the key holds the day of `asOf`).
import { everyMinutes } from "../scheduler/periods.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { raiseNotification } from "./alerts.ts";

const HOUR = 60 * 60_000;

export function mailBacklogTask(deps: SchedulerDeps): ScheduledTask {
  return {
    name: "mail-backlog",
    description: "Alerts the operators when undelivered email piles up (failed, or waiting for over an hour)",
    period: everyMinutes(15),
    async run(context) {
      const threshold = deps.time.mailBacklogAlertThreshold;
      const anHourAgo = new Date(context.asOf.getTime() - HOUR);
      const [failed, stuck] = await Promise.all([
        deps.prisma.emailOutbox.count({ where: { status: "failed" } }),
        deps.prisma.emailOutbox.count({ where: { status: { in: ["pending", "sending"] }, createdAt: { lt: anHourAgo } } }),
      ]);
      const undelivered = failed + stuck;
      const alert = undelivered >= threshold;
      if (alert) {
        const day = context.asOf.toISOString().slice(0, 10);
        await raiseNotification(deps.prisma, {
          idempotencyKey: `alert.mail_backlog:${day}`,
          kind: "alert.mail_backlog",
          severity: "warning",
          title: `${undelivered} emails not delivered`,
          fields: { undelivered, failed, stuck, threshold, day },
        });
      }
      return { undelivered, failed, stuck, threshold, alerted: alert };
    },
  };
}
