// SKELETON (to be filled in): delivery of operator notifications.
import type { SchedulerDeps } from "../scheduler/deps.ts";

export interface NotificationSender {
  stop(): Promise<void>;
  wake(): void;
}

export function startNotificationSender(_deps: SchedulerDeps, _options: { pollIntervalMs: number }): NotificationSender {
  return { stop: async () => {}, wake: () => {} };
}

/** Queues a test notification and delivers it now; returns what happened, in one line per channel. */
export async function sendTestNotification(_deps: SchedulerDeps): Promise<string[]> {
  return ["not built yet"];
}
