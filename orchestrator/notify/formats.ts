// What a webhook receives, per format: the generic JSON (signed with HMAC-SHA256 when a secret is
// set, so the receiver can tell it comes from us and is fresh), Slack's message (text + blocks)
// and a Teams message carrying an Adaptive Card (what Teams' Workflows webhooks accept). Pure:
// the time of the signature is passed in.
//
// For a receiver of the generic JSON: X-Tenantry-Timestamp is in Unix seconds; recompute
// X-Tenantry-Signature over "<timestamp>.<raw body>", compare in constant time, refuse old
// timestamps (say, over 5 minutes), and ignore an X-Tenantry-Delivery id already seen: a sender
// that dies between the POST and recording it leaves the row to another, which posts it again.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { WebhookFormat } from "../scheduler/deps.ts";
import type { NotificationWording, StoredNotification } from "./messages.ts";

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** The generic JSON body: what the receiver parses. */
export interface GenericPayload {
  id: string;
  kind: string;
  severity: string;
  title: string;
  text: string;
  fields: StoredNotification["fields"];
  createdAt: string;
}

export const SIGNATURE_HEADER = "X-Tenantry-Signature";
export const TIMESTAMP_HEADER = "X-Tenantry-Timestamp";
export const DELIVERY_HEADER = "X-Tenantry-Delivery";

/** "sha256=" and the hex HMAC-SHA256, under `secret`, of "<timestamp>.<body>". */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a receiver does: recompute the signature and compare in constant time. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function webhookRequest(
  format: WebhookFormat,
  notification: StoredNotification,
  wording: NotificationWording,
  options: { secret?: string; now: Date },
): WebhookRequest {
  const headers: Record<string, string> = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Tenantry-Notifier/1",
    [DELIVERY_HEADER]: notification.id,
  };
  const body = JSON.stringify(
    format === "slack" ? slackMessage(notification, wording) : format === "teams" ? teamsMessage(notification, wording) : genericPayload(notification, wording),
  );
  if (format === "json") {
    const timestamp = String(Math.floor(options.now.getTime() / 1000));
    headers[TIMESTAMP_HEADER] = timestamp;
    if (options.secret) headers[SIGNATURE_HEADER] = signWebhook(options.secret, timestamp, body);
  }
  return { body, headers };
}

export function genericPayload(notification: StoredNotification, wording: NotificationWording): GenericPayload {
  return {
    id: notification.id,
    kind: notification.kind,
    severity: notification.severity,
    title: wording.title,
    text: wording.text,
    fields: notification.fields,
    createdAt: notification.createdAt.toISOString(),
  };
}

/** Slack's mrkdwn treats &, < and > as markup: they are escaped in every value. */
export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const SEVERITY_EMOJI: Record<string, string> = { critical: ":rotating_light:", warning: ":warning:", info: ":information_source:" };

export function slackMessage(notification: StoredNotification, wording: NotificationWording) {
  const fields = wording.fields.map((field) => ({ type: "mrkdwn", text: `*${slackEscape(field.label)}*\n${slackEscape(field.value)}` }));
  const blocks: unknown[] = [
    // A header block is plain text, at most 150 characters.
    { type: "header", text: { type: "plain_text", text: wording.title.slice(0, 150), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: `${SEVERITY_EMOJI[notification.severity] ?? ""} *${slackEscape(wording.severityLabel)}*\n${slackEscape(wording.text)}`.slice(0, 3000) } },
  ];
  // A section holds at most 10 fields.
  for (let i = 0; i < fields.length; i += 10) blocks.push({ type: "section", fields: fields.slice(i, i + 10) });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `${slackEscape(notification.kind)} · ${notification.id}` }] });
  return { text: `${wording.title}\n${wording.text}`, blocks };
}

const TEAMS_COLOR: Record<string, string> = { critical: "attention", warning: "warning", info: "default" };

export function teamsMessage(notification: StoredNotification, wording: NotificationWording) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body: [
            { type: "TextBlock", text: wording.severityLabel, weight: "Bolder", color: TEAMS_COLOR[notification.severity] ?? "default", size: "Small" },
            { type: "TextBlock", text: wording.title, weight: "Bolder", size: "Medium", wrap: true },
            { type: "TextBlock", text: wording.text, wrap: true },
            ...(wording.fields.length > 0 ? [{ type: "FactSet", facts: wording.fields.map((field) => ({ title: field.label, value: field.value })) }] : []),
            { type: "TextBlock", text: `${notification.kind} · ${notification.id}`, isSubtle: true, size: "Small", wrap: true },
          ],
        },
      },
    ],
  };
}
