// Operator notifications against a real database (PostgreSQL and PGlite) and a real HTTP receiver
// on loopback: an alert reaches each operator's email (through the outbox, once per address) and
// the webhook (signed); a webhook that fails is retried with growing delays, then failed, without
// its URL in any error; a sender whose lease ended records nothing once another took the row
// over; two senders at once deliver each notification once; mock mode sends nothing and logs it;
// the test notification reports each channel; the mail-backlog task alerts once a day.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../orchestrator/clock.ts";
import { defaultTimeSettings, type NotifySettings } from "../../orchestrator/index.ts";
import { enqueueEmail } from "../../orchestrator/mail/outbox.ts";
import { raiseNotification } from "../../orchestrator/notify/alerts.ts";
import { verifyWebhookSignature, type GenericPayload } from "../../orchestrator/notify/formats.ts";
import { mailBacklogTask } from "../../orchestrator/notify/mail-backlog-task.ts";
import { deliverDueNotifications, sendTestNotification, startNotificationSender } from "../../orchestrator/notify/sender.ts";
import { claimDueNotification, finishNotification } from "../../orchestrator/notify/store.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const SECRET = "s3cret-s3cret-s3cret-s3cret";
let t: TestDatabase;
let receiver: WebhookReceiver;
const logLines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void logLines.push({ level, message, fields });
const logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };

/** The system's time moved by `offset`: rows raised now (nextAttemptAt = the database's now) are due. */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

function deps(notify: Partial<NotifySettings> = {}): SchedulerDeps {
  // The sender uses the database, the clock, the logger and the secrets box; nothing of the engine.
  return {
    prisma: t.db.prisma,
    clock,
    logger,
    secretBox: new SecretBox(Buffer.alloc(32, 7)),
    time: { ...defaultTimeSettings(), mailBacklogAlertThreshold: 3 },
    notify: {
      mode: "send",
      emails: ["ops@example.com", "oncall@example.com"],
      webhook: { url: receiver.url, format: "json", secret: SECRET },
      vendorName: "Acme Cloud",
      locale: "en",
      ...notify,
    },
  } as unknown as SchedulerDeps;
}

let n = 0;
async function raiseAlert(): Promise<string> {
  const key = `alert.provisioning_failed:job-${++n}-${Math.random().toString(36).slice(2, 8)}`;
  await raiseNotification(t.db.prisma, {
    idempotencyKey: key,
    kind: "alert.provisioning_failed",
    severity: "critical",
    title: "Provisioning failed for tenant acme",
    fields: { tenant: `acme-${n}`, tenantId: "t-1", jobId: `job-${n}`, reason: "image missing" },
  });
  return (await t.db.prisma.operatorNotification.findUniqueOrThrow({ where: { idempotencyKey: key } })).id;
}

const row = (id: string) => t.db.prisma.operatorNotification.findUniqueOrThrow({ where: { id } });
const postsFor = (id: string) => receiver.requests.filter((request) => request.headers["x-tenantry-delivery"] === id);

beforeAll(async () => {
  t = await createTestDatabase();
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  receiver.respondWith(200);
  // Each test starts with nothing due from the one before.
  await t.db.prisma.operatorNotification.updateMany({ where: { status: { in: ["pending", "sending"] } }, data: { status: "failed" } });
});
afterAll(async () => {
  await receiver?.stop();
  await t?.dispose();
});

describe("delivery", () => {
  it("queues one email per operator and posts the signed JSON once; a second pass sends nothing", async () => {
    const id = await raiseAlert();
    const passStartedAt = Math.floor(clock.now().getTime() / 1000);
    expect(await deliverDueNotifications(deps())).toBe(1);
    const sent = await row(id);
    expect(sent.status).toBe("sent");
    expect(sent.sentAt).not.toBeNull();
    expect(sent.leaseToken).toBeNull();

    const emails = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: { startsWith: `notify:${id}:` } }, orderBy: { toAddress: "asc" } });
    expect(emails.map((e) => [e.idempotencyKey, e.toAddress, e.purpose, e.status])).toEqual([
      [`notify:${id}:oncall@example.com`, "oncall@example.com", "operator-notification", "pending"],
      [`notify:${id}:ops@example.com`, "ops@example.com", "operator-notification", "pending"],
    ]);
    expect(emails[0]!.subject).toBe(`[Acme Cloud] Alert: Provisioning failed for tenant acme-${n}`);
    expect(emails[0]!.bodyText).toContain("image missing");

    const [post] = postsFor(id);
    expect(postsFor(id)).toHaveLength(1);
    expect(post!.method).toBe("POST");
    const timestamp = post!.headers["x-tenantry-timestamp"] as string;
    expect(verifyWebhookSignature(SECRET, timestamp, post!.body, post!.headers["x-tenantry-signature"] as string)).toBe(true);
    // Signed when posted: after the pass began, at the latest when the row was marked sent (the
    // two may fall in different seconds).
    expect(Number(timestamp)).toBeGreaterThanOrEqual(passStartedAt);
    expect(Number(timestamp)).toBeLessThanOrEqual(Math.floor(sent.sentAt!.getTime() / 1000));
    const body = JSON.parse(post!.body) as GenericPayload;
    expect(body).toMatchObject({ id, kind: "alert.provisioning_failed", severity: "critical", fields: { jobId: `job-${n}` } });

    expect(await deliverDueNotifications(deps())).toBe(0);
    expect(postsFor(id)).toHaveLength(1);
  });

  it("retries a failing webhook with growing delays, then fails it; emails queued once; the URL in no error", async () => {
    receiver.respondWith(500);
    const id = await raiseAlert();
    const backoff = { baseMs: 60_000, maxMs: 10 * 60_000 };
    const options = { maxAttempts: 3, backoff };
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const before = clock.now().getTime();
      await deliverDueNotifications(deps(), options);
      const pending = await row(id);
      expect([pending.status, pending.attempts]).toEqual(["pending", attempt]);
      expect(pending.lastError).toContain("HTTP 500");
      delays.push(pending.nextAttemptAt.getTime() - before);
      // Not due before its time…
      await deliverDueNotifications(deps(), options);
      expect((await row(id)).attempts).toBe(attempt);
      offset += pending.nextAttemptAt.getTime() - before + 1_000;
    }
    // Base·2^(attempt−1), times 0.5–1.5.
    expect(delays[0]).toBeGreaterThanOrEqual(30_000 - 50);
    expect(delays[0]).toBeLessThanOrEqual(90_000 + 50);
    expect(delays[1]).toBeGreaterThanOrEqual(60_000 - 50);
    expect(delays[1]).toBeLessThanOrEqual(180_000 + 50);

    await deliverDueNotifications(deps(), options);
    const failed = await row(id);
    expect([failed.status, failed.attempts]).toEqual(["failed", 3]);
    expect(postsFor(id)).toHaveLength(3);
    expect(await t.db.prisma.emailOutbox.count({ where: { idempotencyKey: { startsWith: `notify:${id}:` } } })).toBe(2);
    for (const text of [failed.lastError ?? "", ...logLines.map((line) => JSON.stringify(line))]) {
      expect(text).not.toContain("SECRETPATH");
    }
    expect(logLines.some((line) => line.level === "error" && line.message === "operator notification failed for good" && line.fields.notificationId === id)).toBe(true);
  });

  it("gives up on a webhook that does not answer within its timeout", async () => {
    receiver.respondWith("hang");
    const id = await raiseAlert();
    await deliverDueNotifications(deps({ emails: [] }), { webhookTimeoutMs: 300 });
    expect((await row(id)).lastError).toBe("the webhook did not answer within 0.3 s");
  });

  it("records nothing for a sender whose lease ended and whose row another sender took over", async () => {
    const id = await raiseAlert();
    const stalled = await claimDueNotification(t.db.prisma, clock.now(), 1_000);
    expect(stalled?.row.id).toBe(id);
    // Within the lease, no one else takes it.
    expect(await deliverDueNotifications(deps())).toBe(0);
    offset += 2_000;
    expect(await deliverDueNotifications(deps())).toBe(1);
    expect(await finishNotification(t.db.prisma, stalled!, clock.now(), { status: "failed", error: "stale" })).toBe(false);
    const sent = await row(id);
    expect([sent.status, sent.attempts, sent.lastError]).toEqual(["sent", 2, null]);
    expect(postsFor(id)).toHaveLength(1);
  });

  it("two senders running at once deliver each notification once", async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => raiseAlert()));
    const senders = [startNotificationSender(deps(), { pollIntervalMs: 20 }), startNotificationSender(deps(), { pollIntervalMs: 20 })];
    try {
      for (let i = 0; i < 500; i += 1) {
        const rows = await t.db.prisma.operatorNotification.findMany({ where: { id: { in: ids } } });
        if (rows.every((r) => r.status === "sent")) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
    }
    for (const id of ids) {
      expect((await row(id)).status).toBe("sent");
      expect(postsFor(id)).toHaveLength(1);
    }
  });
});

describe("mock mode", () => {
  it("sends nothing (no email queued, no POST), logs what it would send, and marks the row sent with a note", async () => {
    const id = await raiseAlert();
    const postsBefore = receiver.requests.length;
    expect(await deliverDueNotifications(deps({ mode: "mock" }))).toBe(1);
    const done = await row(id);
    expect(done.status).toBe("sent");
    expect(done.lastError).toBe("nothing sent (mock mode): the notification was logged; it would go to email to 2 addresses and a json webhook (signed)");
    expect(receiver.requests.length).toBe(postsBefore);
    expect(await t.db.prisma.emailOutbox.count({ where: { idempotencyKey: { startsWith: `notify:${id}:` } } })).toBe(0);
    const line = logLines.find((l) => l.message === "operator notification (mock mode: logged, not sent)" && l.fields.notificationId === id);
    expect(line?.level).toBe("info");
    expect(line?.fields.title).toBe(`Acme Cloud: Provisioning failed for tenant acme-${n}`);
    expect(JSON.stringify(line)).not.toContain("SECRETPATH");
  });
});

describe("the test notification", () => {
  it("delivers at once and says what happened on each channel", async () => {
    const lines = await sendTestNotification(deps({ webhook: { url: receiver.url, format: "slack" } }));
    expect(lines).toEqual(["[ok] email: queued for 2 addresses in the outbox (the mail sender delivers it)", "[ok] webhook (slack): delivered, HTTP 200"]);
    const test = await t.db.prisma.operatorNotification.findFirstOrThrow({ where: { kind: "test" }, orderBy: { createdAt: "desc" } });
    expect(test.status).toBe("sent");
    const [post] = postsFor(test.id);
    expect(JSON.parse(post!.body)).toMatchObject({ text: expect.stringContaining("Acme Cloud: Test notification"), blocks: expect.any(Array) });
  });

  it("reports a failing channel without its URL and does not retry it", async () => {
    receiver.respondWith(404);
    const lines = await sendTestNotification(deps({ emails: [], webhook: { url: receiver.url, format: "teams" } }));
    expect(lines).toEqual(["[failed] webhook (teams): the webhook answered HTTP 404: no thanks"]);
    const test = await t.db.prisma.operatorNotification.findFirstOrThrow({ where: { kind: "test" }, orderBy: { createdAt: "desc" } });
    expect([test.status, test.attempts]).toEqual(["failed", 1]);
  });

  it("in mock mode, or with no channel, says nothing was sent", async () => {
    expect(await sendTestNotification(deps({ mode: "mock" }))).toEqual([
      "[mock] nothing sent (mock mode): the notification was logged; it would go to email to 2 addresses and a json webhook (signed)",
    ]);
    const { webhook: _none, ...withoutWebhook } = deps().notify;
    expect(await sendTestNotification({ ...deps(), notify: { ...withoutWebhook, emails: [] } })).toEqual([
      "[none] no channel configured (no operator email, no webhook): the notification was only logged",
    ]);
  });
});

describe("the mail-backlog task", () => {
  it("alerts once a day when failed or hour-old undelivered emails reach the threshold", async () => {
    const prisma = t.db.prisma;
    const box = new SecretBox(Buffer.alloc(32, 7));
    const asOf = new Date("2026-12-10T12:00:00Z");
    const queue = async (status: "pending" | "sending" | "failed" | "sent", createdAt: Date) => {
      const key = `trial-ending:backlog-${Math.random().toString(36).slice(2)}`;
      await enqueueEmail(prisma, box, {
        idempotencyKey: key,
        to: "someone@example.com",
        locale: "en",
        message: { purpose: "instance-terminated", firstName: "A", company: "B" },
      });
      await prisma.emailOutbox.update({ where: { idempotencyKey: key }, data: { status, createdAt } });
    };
    await prisma.emailOutbox.deleteMany({});
    const run = (at: Date) =>
      mailBacklogTask(deps()).run({ asOf: at, periodStart: at, runId: "r", signal: new AbortController().signal, logger });
    const alerts = () => prisma.operatorNotification.findMany({ where: { kind: "alert.mail_backlog" } });

    // Two that count (one failed, one pending for 2 hours), and some that do not (recent, sent).
    await queue("failed", new Date(asOf.getTime() - 10 * 60_000));
    await queue("pending", new Date(asOf.getTime() - 2 * 3_600_000));
    await queue("pending", new Date(asOf.getTime() - 30 * 60_000));
    await queue("sent", new Date(asOf.getTime() - 5 * 3_600_000));
    expect(await run(asOf)).toMatchObject({ undelivered: 2, failed: 1, stuck: 1, alerted: false });
    expect(await alerts()).toEqual([]);

    // A third: at the threshold (3), one alert; later the same day, still one.
    await queue("sending", new Date(asOf.getTime() - 90 * 60_000));
    expect(await run(asOf)).toMatchObject({ undelivered: 3, alerted: true });
    expect(await run(new Date(asOf.getTime() + 3 * 3_600_000))).toMatchObject({ undelivered: 4, alerted: true });
    const [alert] = await alerts();
    expect(await alerts()).toHaveLength(1);
    expect(alert!.idempotencyKey).toBe("alert.mail_backlog:2026-12-10");
    expect(alert!.payload).toEqual({ undelivered: 3, failed: 1, stuck: 2, threshold: 3, day: "2026-12-10" });
    // The next day, a new one.
    await run(new Date("2026-12-11T00:05:00Z"));
    expect((await alerts()).map((a) => a.idempotencyKey).sort()).toEqual(["alert.mail_backlog:2026-12-10", "alert.mail_backlog:2026-12-11"]);
  });
});
