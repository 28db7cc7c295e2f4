// Delivers one claimed notification through every configured channel and says, per channel, what
// happened. Email goes through the outbox (one message per operator under the key
// notify:<notification id>:<address>, so a retry queues nothing twice, and the mail sender
// delivers it); the webhook is posted directly. In mock mode nothing is queued or posted: the
// notification is logged. The webhook's URL is never logged or returned.
import type { OperatorNotification } from "../../prisma/generated/client.ts";
import { enqueueEmail } from "../mail/outbox.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";
import type { NotificationFields } from "./alerts.ts";
import { webhookRequest } from "./formats.ts";
import { wordNotification, type NotificationWording, type StoredNotification } from "./messages.ts";
import { postWebhook, WEBHOOK_TIMEOUT_MS } from "./webhook.ts";

export interface ChannelResult {
  channel: "email" | "webhook" | "mock" | "none";
  ok: boolean;
  /** One line for the operator (`npm run notify:test`), starting with [ok], [failed], [mock] or [none]. */
  line: string;
  /** Why it failed, for the row's lastError. */
  error?: string;
}

export function storedNotification(row: OperatorNotification): StoredNotification {
  return { id: row.id, kind: row.kind, severity: row.severity, title: row.title, fields: fieldsOf(row.payload), createdAt: row.createdAt };
}

/** The payload as written by raiseNotification: an object of plain values (anything else is dropped). */
function fieldsOf(payload: unknown): NotificationFields {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return {};
  const fields: NotificationFields = {};
  for (const [key, value] of Object.entries(payload)) {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[key] = value;
  }
  return fields;
}

/** What is configured, in words (never the webhook's URL). */
export function describeChannels(deps: SchedulerDeps): string {
  const parts = [];
  if (deps.notify.emails.length > 0) parts.push(`email to ${deps.notify.emails.length} address${deps.notify.emails.length === 1 ? "" : "es"}`);
  if (deps.notify.webhook) parts.push(`a ${deps.notify.webhook.format} webhook${deps.notify.webhook.secret ? " (signed)" : ""}`);
  return parts.length > 0 ? parts.join(" and ") : "no channel";
}

export async function deliverNotification(
  deps: SchedulerDeps,
  row: OperatorNotification,
  options: { webhookTimeoutMs?: number } = {},
): Promise<ChannelResult[]> {
  const notification = storedNotification(row);
  const wording = wordNotification(notification, deps.notify.locale, deps.notify.vendorName);
  const logFields = { notificationId: row.id, kind: row.kind, severity: row.severity };

  if (deps.notify.mode === "mock") {
    deps.logger.info("operator notification (mock mode: logged, not sent)", {
      ...logFields,
      title: wording.title,
      text: wording.text,
      fields: notification.fields,
      wouldGoTo: describeChannels(deps),
    });
    return [{ channel: "mock", ok: true, line: `[mock] nothing sent (mock mode): the notification was logged; it would go to ${describeChannels(deps)}` }];
  }

  const results: ChannelResult[] = [];
  if (deps.notify.emails.length > 0) results.push(await queueEmails(deps, notification, wording));
  const webhook = deps.notify.webhook;
  if (webhook) {
    const request = webhookRequest(webhook.format, notification, wording, { now: deps.clock.now(), ...(webhook.secret ? { secret: webhook.secret } : {}) });
    const outcome = await postWebhook(webhook.url, request, options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS);
    results.push(
      outcome.ok
        ? { channel: "webhook", ok: true, line: `[ok] webhook (${webhook.format}): delivered, HTTP ${outcome.status}` }
        : { channel: "webhook", ok: false, line: `[failed] webhook (${webhook.format}): ${outcome.error}`, error: outcome.error },
    );
  }
  if (results.length === 0) {
    deps.logger.info("operator notification (no channel configured: logged only)", { ...logFields, title: wording.title, text: wording.text });
    results.push({ channel: "none", ok: true, line: "[none] no channel configured (no operator email, no webhook): the notification was only logged" });
  }
  return results;
}

async function queueEmails(deps: SchedulerDeps, notification: StoredNotification, wording: NotificationWording): Promise<ChannelResult> {
  const addresses = deps.notify.emails;
  try {
    await deps.prisma.$transaction(async (tx) => {
      for (const address of addresses) {
        await enqueueEmail(tx, deps.secretBox, {
          idempotencyKey: `notify:${notification.id}:${address}`,
          to: address,
          locale: deps.notify.locale,
          message: {
            purpose: "operator-notification",
            vendorName: deps.notify.vendorName,
            notificationId: notification.id,
            severity: notification.severity === "critical" || notification.severity === "warning" ? notification.severity : "info",
            title: wording.headline,
            text: wording.text,
            fields: wording.fields.map(({ label, value }) => ({ label, value })),
          },
        });
      }
    });
    const count = `${addresses.length} address${addresses.length === 1 ? "" : "es"}`;
    return { channel: "email", ok: true, line: `[ok] email: queued for ${count} in the outbox (the mail sender delivers it)` };
  } catch (caught) {
    const error = `the emails could not be queued: ${caught instanceof Error ? caught.message : String(caught)}`;
    return { channel: "email", ok: false, line: `[failed] email: ${error}`, error };
  }
}
