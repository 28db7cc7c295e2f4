// The email outbox and its sender, against a real database and a real SMTP server on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../orchestrator/clock.ts";
import { enqueueEmail, retryFailedEmail, type OutgoingEmail } from "../../orchestrator/mail/outbox.ts";
import { mailDelivery, type MailSenderOptions } from "../../orchestrator/mail/sender.ts";
import { smtpTransport } from "../../orchestrator/mail/transports.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { freePort } from "../support/portal.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
const box = new SecretBox(Buffer.alloc(32, 3));
const logLines: string[] = [];
const logger = {
  debug: (m: string, f?: object) => void logLines.push(JSON.stringify({ m, ...f })),
  info: (m: string, f?: object) => void logLines.push(JSON.stringify({ m, ...f })),
  warn: (m: string, f?: object) => void logLines.push(JSON.stringify({ m, ...f })),
  error: (m: string, f?: object) => void logLines.push(JSON.stringify({ m, ...f })),
};
const peers: SmtpPeer[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await t?.dispose();
});

let n = 0;
function credentials(overrides: Partial<Record<string, string>> = {}, locale: "en" | "fr" = "en"): OutgoingEmail {
  const i = ++n;
  return {
    idempotencyKey: `credentials:test-${i}-${Math.random().toString(36).slice(2, 8)}`,
    to: `customer${i}@example.com`,
    locale,
    message: {
      purpose: "credentials",
      firstName: overrides.firstName ?? "Camille",
      company: overrides.company ?? "Acme",
      plan: "trial",
      trialEndsAt: new Date("2026-12-21T12:00:00Z"),
      appUrl: "http://localhost:20001/",
      username: "acme",
      temporaryPassword: overrides.password ?? `Pw-${Math.random().toString(36).slice(2)}-x9`,
    },
  };
}

async function startPeer(options?: Parameters<typeof smtpPeer>[1]) {
  const peer = smtpPeer(await freePort(), options);
  peers.push(peer);
  await peer.start();
  return peer;
}

// Delivery driven by hand (drain), so each test decides when the sender looks at the outbox.
function sender(port: number, overrides: Partial<MailSenderOptions> = {}) {
  const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
  const delivery = mailDelivery({
    prisma: t.db.prisma,
    secretBox: box,
    transport,
    from: "Tenantry <no-reply@tenantry.test>",
    clock: systemClock,
    logger,
    maxAttempts: 10,
    backoff: { baseMs: 100, maxMs: 400 },
    pollIntervalMs: 60_000,
    ...overrides,
  });
  return { drain: delivery.drain, stop: async () => transport.close() };
}

async function clearOutbox() {
  await t.db.prisma.emailOutbox.updateMany({ where: { status: { in: ["pending", "sending"] } }, data: { status: "failed" } });
}

describe(`email outbox (${process.env.TEST_DB_KIND})`, () => {
  it("delivers over SMTP once, and keeps no password in clear before or after", async () => {
    await clearOutbox();
    const peer = await startPeer();
    const email = credentials({}, "fr");
    const password = (email.message as { temporaryPassword: string }).temporaryPassword;
    await enqueueEmail(t.db.prisma, box, email);
    await enqueueEmail(t.db.prisma, box, email); // the same message again: ignored
    const queued = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: email.idempotencyKey } });
    expect(queued).toHaveLength(1);
    expect(queued[0]!.encrypted).toBe(true);
    expect(JSON.stringify(queued[0])).not.toContain(password);

    const s = sender(peer.port);
    expect(await s.drain()).toBe(1);
    await s.stop();
    const [mail] = await peer.waitFor(1);
    expect(mail!.subject).toMatch(/Acme/);
    expect((mail!.to as { text: string }).text).toBe(email.to);
    expect(mail!.text).toContain(password);
    expect(mail!.text).toMatch(/Mot de passe temporaire/i);
    expect(mail!.messageId).toBe(`<${email.idempotencyKey}@tenantry>`);

    const sent = await t.db.prisma.emailOutbox.findUniqueOrThrow({ where: { idempotencyKey: email.idempotencyKey } });
    expect(sent).toMatchObject({ status: "sent", encrypted: false, sealedSecrets: null, attempts: 1 });
    expect(JSON.stringify(sent)).not.toContain(password);
    expect(sent.bodyText).toContain("••••••••");
    expect(sent.bodyText).toContain("acme");
    expect(logLines.join("\n")).not.toContain(password);
  });

  it("delivers every queued message exactly once after the SMTP server was down for a while", async () => {
    await clearOutbox();
    const port = await freePort();
    const emails = Array.from({ length: 5 }, () => credentials());
    for (const email of emails) await enqueueEmail(t.db.prisma, box, email);
    const s = sender(port);
    expect(await s.drain()).toBe(0); // nothing listens: all five wait
    const waiting = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: { in: emails.map((e) => e.idempotencyKey) } } });
    expect(waiting.map((m) => [m.status, /ECONNREFUSED/.test(m.lastError ?? "")])).toEqual(Array(5).fill(["pending", true]));

    // Retries while the server is still down, then it comes back.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await s.drain();
    }
    const peer = smtpPeer(port);
    peers.push(peer);
    await peer.start();
    for (let i = 0; i < 40 && peer.received.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await s.drain();
    }
    await s.stop();
    const ids = peer.received.map((m) => m.messageId).sort();
    expect(ids).toEqual(emails.map((e) => `<${e.idempotencyKey}@tenantry>`).sort());
    const rows = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: { in: emails.map((e) => e.idempotencyKey) } } });
    expect(rows.every((m) => m.status === "sent" && m.attempts >= 2)).toBe(true);
  });

  it("marks a refused message failed at once, and sends it when an admin retries", async () => {
    await clearOutbox();
    let refuse = true;
    const peer = await startPeer({ rejectRecipient: () => refuse });
    const email = credentials();
    await enqueueEmail(t.db.prisma, box, email);
    const s = sender(peer.port);
    await s.drain();
    const failed = await t.db.prisma.emailOutbox.findUniqueOrThrow({ where: { idempotencyKey: email.idempotencyKey } });
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/550/);

    refuse = false;
    expect(await retryFailedEmail(t.db.prisma, failed.id)).toBe(true);
    expect(await s.drain()).toBe(1);
    await s.stop();
    expect(peer.received).toHaveLength(1);
  });

  it("gives up after the last attempt and says so", async () => {
    await clearOutbox();
    const email = credentials();
    await enqueueEmail(t.db.prisma, box, email);
    const s = sender(await freePort(), { maxAttempts: 2, backoff: { baseMs: 1, maxMs: 1 } });
    await s.drain();
    await new Promise((r) => setTimeout(r, 20));
    await s.drain();
    await s.stop();
    const row = await t.db.prisma.emailOutbox.findUniqueOrThrow({ where: { idempotencyKey: email.idempotencyKey } });
    expect(row).toMatchObject({ status: "failed", attempts: 2 });
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.encrypted).toBe(true); // undelivered: its secret is still sealed, not lost
  });

  it("escapes a hostile customer name and company in the delivered HTML", async () => {
    await clearOutbox();
    const peer = await startPeer();
    const email = credentials({ firstName: "<script>alert(1)</script>", company: `L'Élan "Société" & Fils <b>` });
    await enqueueEmail(t.db.prisma, box, email);
    const s = sender(peer.port);
    await s.drain();
    await s.stop();
    const [mail] = await peer.waitFor(1);
    const html = String(mail!.html);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<b>");
    expect(html).toMatch(/&quot;Soci(é|&eacute;)t(é|&eacute;)&quot; &amp; Fils &lt;b&gt;/);
    expect(mail!.text).toContain("<script>alert(1)</script>");
    expect(mail!.subject).toContain(`L'Élan "Société" & Fils <b>`);
  });
});
