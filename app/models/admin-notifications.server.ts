// What the console shows of the operators' notifications: the latest ones (alerts, reports,
// tests) with how their delivery went, and the channels configured, in words. The webhook's URL
// is a secret (Slack's and Teams' carry their token): only its format leaves this module.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { NotifySettings } from "../../orchestrator/index.ts";

export interface NotificationRow {
  id: string;
  kind: string;
  severity: string;
  title: string;
  status: "pending" | "sending" | "sent" | "failed";
  attempts: number;
  /** The last error, or on a sent row how it was handled (mock mode, no channel). */
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface NotifyChannels {
  mode: "send" | "mock";
  emails: number;
  webhook: { format: string; signed: boolean } | null;
}

export function recentNotifications(prisma: PrismaClient, take = 50): Promise<NotificationRow[]> {
  return prisma.operatorNotification.findMany({
    orderBy: { createdAt: "desc" },
    take,
    select: { id: true, kind: true, severity: true, title: true, status: true, attempts: true, lastError: true, createdAt: true, sentAt: true },
  });
}

export function notifyChannels(notify: NotifySettings): NotifyChannels {
  return {
    mode: notify.mode,
    emails: notify.emails.length,
    webhook: notify.webhook ? { format: notify.webhook.format, signed: Boolean(notify.webhook.secret) } : null,
  };
}
