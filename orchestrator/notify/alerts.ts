// The one writer of operator notifications. An alert (or a report) is written with the database
// handle of what causes it, so it commits with it, under a key that makes a second write a no-op:
// a failed provisioning job raises its alert once, whoever records the failure and however often.
// The notification sender (sender.ts) delivers it afterwards.
import type { DatabaseWriter } from "../audit/audit-log.ts";

export type NotificationKind =
  | "alert.provisioning_failed"
  | "alert.reconciliation_failed"
  | "alert.task_failed"
  | "alert.mail_backlog"
  | "alert.backup_verification_failed"
  | "alert.no_recent_backup"
  | "report.weekly"
  | "test";

export type Severity = "info" | "warning" | "critical";

/** Plain values only, never a customer's personal data (names, emails, phones): ids and slugs. */
export type NotificationFields = Record<string, string | number | boolean | null>;

export interface OperatorNotificationInput {
  /** One notification per key, ever: "alert.provisioning_failed:<job id>". */
  idempotencyKey: string;
  kind: NotificationKind;
  severity: Severity;
  /** One line in English, for the console's list and the log; deliveries are worded from the
   * kind and the fields in the operators' language (messages.ts). */
  title: string;
  /** What the message says, as values (the kind's wording in messages.ts places them). */
  fields: NotificationFields;
}

/** Adds the notification unless one with the same key exists (safe inside a transaction). */
export async function raiseNotification(db: DatabaseWriter, input: OperatorNotificationInput): Promise<void> {
  await db.operatorNotification.createMany({
    data: [
      {
        idempotencyKey: input.idempotencyKey,
        kind: input.kind,
        severity: input.severity,
        title: input.title.slice(0, 300),
        payload: input.fields,
      },
    ],
    skipDuplicates: true,
  });
}
