// What the periodic tasks need: the lifecycle's dependencies (database, driver, clock, secrets,
// template) and the settings of time and of the operators' notifications, passed in by the portal.
import type { LifecycleDeps } from "../lifecycle/context.ts";

export interface TimeSettings {
  /** Days before a trial's end on which the customer is reminded (default 7 and 1). */
  trialReminderDays: number[];
  /** Days an expired trial stays suspended before it is terminated (default 30). */
  suspendedDaysBeforeTermination: number;
  /** Days the final dump of a terminated tenant is kept (default 90). */
  dumpRetentionDays: number;
  /** Days after termination a customer's personal data is erased (default 90). */
  eraseTerminatedAfterDays: number;
  /** Minutes between two reconciliations (default 5). */
  reconcileIntervalMinutes: number;
  /** Minutes between two usage samples (default 60). */
  usageIntervalMinutes: number;
  /** Days usage samples are kept (default 30). */
  usageRetentionDays: number;
  /** Folder the final dumps are written to. */
  dumpsDir: string;
  /** Undelivered emails (failed, or pending for over an hour) that raise an alert (default 10). */
  mailBacklogAlertThreshold: number;
}

export type WebhookFormat = "json" | "slack" | "teams";

export interface NotifySettings {
  /** "mock": every notification is logged, none is sent. */
  mode: "send" | "mock";
  /** Operators' addresses: alerts and the weekly report by email (through the outbox). */
  emails: string[];
  /** A webhook: generic JSON signed with HMAC-SHA256, or Slack's or Teams' message format. */
  webhook?: { url: string; format: WebhookFormat; secret?: string };
  /** The vendor's name, in messages ("Tenantry" by default). */
  vendorName: string;
  /** The operators' language for notifications. */
  locale: "en" | "fr";
}

export interface SchedulerDeps extends LifecycleDeps {
  time: TimeSettings;
  notify: NotifySettings;
}
