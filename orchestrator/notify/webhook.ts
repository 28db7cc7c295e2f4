// Posts a notification to the operators' webhook: one POST, a 10-second timeout, delivered when
// the receiver answers 2xx. The URL is a secret (Slack's and Teams' URLs carry their token): it
// never appears in what this returns, so no log line or stored error can hold it.
import type { WebhookRequest } from "./formats.ts";

export const WEBHOOK_TIMEOUT_MS = 10_000;

export type WebhookOutcome = { ok: true; status: number } | { ok: false; error: string };

export async function postWebhook(url: string, request: WebhookRequest, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<WebhookOutcome> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = (await response.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    const error = `the webhook answered HTTP ${response.status}${answer ? `: ${answer}` : ""}`;
    return { ok: false, error: withoutUrl(error, url) };
  } catch (caught) {
    return { ok: false, error: withoutUrl(describeFailure(caught, timeoutMs), url) };
  }
}

function describeFailure(caught: unknown, timeoutMs: number): string {
  if (caught instanceof Error && (caught.name === "TimeoutError" || caught.name === "AbortError")) {
    return `the webhook did not answer within ${timeoutMs / 1000} s`;
  }
  const cause = caught instanceof Error && caught.cause instanceof Error ? caught.cause.message : "";
  const message = caught instanceof Error ? caught.message : String(caught);
  return `the webhook could not be reached: ${message}${cause ? ` (${cause})` : ""}`;
}

/** Removes the URL, and its path alone, from a message (an error could quote either). */
export function withoutUrl(message: string, url: string): string {
  let cleaned = message.replaceAll(url, "<webhook URL>");
  try {
    const { pathname, search } = new URL(url);
    const secretPart = `${pathname}${search}`;
    if (secretPart.length > 1) cleaned = cleaned.replaceAll(secretPart, "/<redacted>");
  } catch {
    // Not a URL: nothing more to cut.
  }
  return cleaned;
}
