// The webhook formats of operator notifications: the generic JSON and its HMAC-SHA256 signature
// (checked against an independent computation and against tampering), Slack's text and blocks
// (markup escaped, at most 10 fields per section), Teams' Adaptive Card in an attachment; and the
// URL kept out of every error a failed post reports.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, slackEscape, verifyWebhookSignature, webhookRequest, type GenericPayload } from "../../orchestrator/notify/formats.ts";
import { wordNotification, type StoredNotification } from "../../orchestrator/notify/messages.ts";
import { withoutUrl } from "../../orchestrator/notify/webhook.ts";

const notification: StoredNotification = {
  id: "6f1c2d4e-0000-4000-8000-000000000001",
  kind: "alert.provisioning_failed",
  severity: "critical",
  title: "Provisioning failed for tenant acme-1",
  fields: { tenant: "acme-1", tenantId: "t-1", jobId: "j-1", reason: "Image <none> & co is not available" },
  createdAt: new Date("2026-12-03T10:00:00Z"),
};
const wording = wordNotification(notification, "en", "Acme Cloud");
const NOW = new Date("2026-12-03T10:00:05.900Z");
const SECRET = "0123456789abcdef0123456789abcdef";

describe("generic JSON webhook", () => {
  const request = webhookRequest("json", notification, wording, { secret: SECRET, now: NOW });

  it("carries id, kind, severity, title, text, fields and createdAt", () => {
    const body = JSON.parse(request.body) as GenericPayload;
    expect(body).toEqual({
      id: notification.id,
      kind: "alert.provisioning_failed",
      severity: "critical",
      title: "Acme Cloud: Provisioning failed for tenant acme-1",
      text: wording.text,
      fields: notification.fields,
      createdAt: "2026-12-03T10:00:00.000Z",
    });
    expect(request.headers["Content-Type"]).toMatch(/^application\/json/);
    expect(request.headers["X-Tenantry-Delivery"]).toBe(notification.id);
    expect(request.headers["X-Tenantry-Timestamp"]).toBe("1796292005");
  });

  it("is signed: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>, as a receiver recomputes it", () => {
    const expected = createHmac("sha256", SECRET).update(`1796292005.${request.body}`).digest("hex");
    expect(request.headers["X-Tenantry-Signature"]).toBe(`sha256=${expected}`);
    expect(verifyWebhookSignature(SECRET, "1796292005", request.body, request.headers["X-Tenantry-Signature"]!)).toBe(true);
  });

  it("does not verify with another secret, another timestamp, or a changed body", () => {
    const signature = request.headers["X-Tenantry-Signature"]!;
    expect(verifyWebhookSignature(`${SECRET}x`, "1796292005", request.body, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, "1796292006", request.body, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, "1796292005", request.body.replace("acme-1", "acme-2"), signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, "1796292005", request.body, "sha256=00")).toBe(false);
    expect(signWebhook(SECRET, "1", "a")).not.toBe(signWebhook(SECRET, "1", "b"));
  });

  it("has no signature header without a secret", () => {
    const unsigned = webhookRequest("json", notification, wording, { now: NOW });
    expect(unsigned.headers["X-Tenantry-Signature"]).toBeUndefined();
    expect(unsigned.body).toBe(request.body);
  });
});

describe("Slack webhook", () => {
  it("sends text (the fallback) and blocks: header, severity and text, the fields, the id", () => {
    const request = webhookRequest("slack", notification, wording, { now: NOW });
    const body = JSON.parse(request.body) as { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };
    expect(body.text).toContain("Acme Cloud: Provisioning failed for tenant acme-1");
    expect(body.blocks.map((b) => b.type)).toEqual(["header", "section", "section", "context"]);
    expect(body.blocks[0]!.text!.text).toBe(wording.title);
    expect(body.blocks[1]!.text!.text).toContain("*Alert*");
    // mrkdwn: & < > escaped in values, so a value cannot become a link or a mention.
    expect(body.blocks[2]!.fields).toContainEqual({ type: "mrkdwn", text: "*Reason*\nImage &lt;none&gt; &amp; co is not available" });
    expect(body.blocks[3]!.type).toBe("context");
    expect(request.headers["X-Tenantry-Signature"]).toBeUndefined();
  });

  it("splits more than 10 fields across sections (Slack's limit)", () => {
    const many: StoredNotification = { ...notification, kind: "report.weekly", fields: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, i])) };
    const body = JSON.parse(webhookRequest("slack", many, wordNotification(many, "en", "V"), { now: NOW }).body) as { blocks: { fields?: unknown[] }[] };
    expect(body.blocks.filter((b) => b.fields).map((b) => b.fields!.length)).toEqual([10, 2]);
  });

  it("escapes Slack's markup characters", () => {
    expect(slackEscape("<!channel> & <https://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
  });
});

describe("Teams webhook", () => {
  it("sends a message with an Adaptive Card attachment: severity, title, text, facts", () => {
    const body = JSON.parse(webhookRequest("teams", notification, wording, { now: NOW }).body) as {
      type: string;
      attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[];
    };
    expect(body.type).toBe("message");
    expect(body.attachments).toHaveLength(1);
    const card = body.attachments[0]!;
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content.type).toBe("AdaptiveCard");
    expect(card.content.body.map((b) => b.type)).toEqual(["TextBlock", "TextBlock", "TextBlock", "FactSet", "TextBlock"]);
    expect(card.content.body[0]!.text).toBe("Alert");
    expect(card.content.body[1]!.text).toBe(wording.title);
    expect(card.content.body[3]!.facts).toContainEqual({ title: "Job", value: "j-1" });
  });
});

describe("a failed post's error", () => {
  it("never holds the webhook URL or its secret path", () => {
    const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
    expect(withoutUrl(`request to ${url} failed`, url)).toBe("request to <webhook URL> failed");
    expect(withoutUrl("POST /services/T000/B000/XXXXSECRET: 404", url)).toBe("POST /<redacted>: 404");
  });
});
