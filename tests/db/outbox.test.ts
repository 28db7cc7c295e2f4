// The email outbox and its sender, against a real database and real SMTP servers on loopback:
// delivery, retries, refusals; lease tokens and a renewed lease (two senders racing while SMTP
// stalls past the lease: each message delivered once); a body the key cannot open; valid
// Message-IDs and Auto-Submitted; wrong SMTP settings (untrusted certificate, refused login)
// failed at once with what to fix.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../orchestrator/clock.ts";
import { enqueueEmail, messageIdFor, retryFailedEmail, type OutgoingEmail } from "../../orchestrator/mail/outbox.ts";
import { mailDelivery, type MailSenderOptions } from "../../orchestrator/mail/sender.ts";
import { smtpTransport } from "../../orchestrator/mail/transports.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { freePort } from "../support/portal.ts";
import { selfSignedCertificate, smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
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
const FROM = "Tenantry <no-reply@tenantry.test>";

function sender(port: number, overrides: Partial<MailSenderOptions> = {}, url = `smtp://127.0.0.1:${port}`) {
  const transport = smtpTransport(url);
  const delivery = mailDelivery({
    prisma: t.db.prisma,
    secretBox: box,
    transport,
    from: FROM,
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
    expect(mail!.messageId).toBe(messageIdFor(email.idempotencyKey, FROM));

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
    expect(ids).toEqual(emails.map((e) => messageIdFor(e.idempotencyKey, FROM)).sort());
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

  it("gives each message a valid RFC 5322 Message-ID, stable per key, and Auto-Submitted: auto-generated", async () => {
    await clearOutbox();
    const peer = await startPeer();
    const email = credentials();
    expect(email.idempotencyKey).toContain(":");
    await enqueueEmail(t.db.prisma, box, email);
    const s = sender(peer.port);
    expect(await s.drain()).toBe(1);
    await s.stop();
    const [mail] = await peer.waitFor(1);
    // msg-id = "<" dot-atom-text "@" dot-atom-text ">" (RFC 5322 3.6.4).
    const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
    const dotAtom = `${atext}(?:\\.${atext})*`;
    expect(mail!.messageId).toMatch(new RegExp(`^<${dotAtom}@${dotAtom}>$`));
    expect(mail!.messageId).toBe(messageIdFor(email.idempotencyKey, FROM));
    expect(messageIdFor(email.idempotencyKey, FROM)).not.toBe(messageIdFor(`${email.idempotencyKey}x`, FROM));
    expect(mail!.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("delivers each message exactly once with two senders racing while SMTP stalls past the lease", async () => {
    await clearOutbox();
    // The server answers the first message's DATA only after 4 s, more than twice the 1.5 s lease.
    let arrivals = 0;
    const peer = await startPeer({ stallMs: () => (++arrivals === 1 ? 4_000 : 0) });
    const emails = [credentials(), credentials()];
    for (const email of emails) await enqueueEmail(t.db.prisma, box, email);
    const senders = [sender(peer.port, { leaseMs: 1_500 }), sender(peer.port, { leaseMs: 1_500 })];
    const until = Date.now() + 6_000;
    await Promise.all(
      senders.map(async (s) => {
        while (Date.now() < until) {
          await s.drain();
          await new Promise((r) => setTimeout(r, 50));
        }
        await s.stop();
      }),
    );
    const ids = peer.received.map((m) => m.messageId).sort();
    expect(ids).toEqual(emails.map((e) => messageIdFor(e.idempotencyKey, FROM)).sort());
    const rows = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: { in: emails.map((e) => e.idempotencyKey) } } });
    expect(rows.map((m) => [m.status, m.attempts, m.encrypted])).toEqual([
      ["sent", 1, false],
      ["sent", 1, false],
    ]);
  });

  it("fails at once a message the secrets key cannot decrypt, and goes on with the others", async () => {
    await clearOutbox();
    const peer = await startPeer();
    const otherKey = new SecretBox(Buffer.alloc(32, 9));
    const unreadable = credentials();
    const readable = credentials();
    await enqueueEmail(t.db.prisma, otherKey, unreadable); // sealed under a key this sender does not have
    await enqueueEmail(t.db.prisma, box, readable);
    const s = sender(peer.port);
    expect(await s.drain()).toBe(1);
    expect(await s.drain()).toBe(0); // nothing left to try again
    await s.stop();
    const row = await t.db.prisma.emailOutbox.findUniqueOrThrow({ where: { idempotencyKey: unreadable.idempotencyKey } });
    expect(row).toMatchObject({ status: "failed", attempts: 1, encrypted: true });
    expect(row.lastError).toMatch(/cannot be decrypted with the current secrets key/);
    expect(peer.received.map((m) => m.messageId)).toEqual([messageIdFor(readable.idempotencyKey, FROM)]);
  });

  it("fails at once, naming the fix and logging it once, when the server's certificate does not verify", async () => {
    await clearOutbox();
    const certificate = selfSignedCertificate();
    const peer = await startPeer({ tls: certificate });
    const emails = [credentials(), credentials()];
    for (const email of emails) await enqueueEmail(t.db.prisma, box, email);
    const before = logLines.length;
    const s = sender(peer.port, {}, `smtps://127.0.0.1:${peer.port}`);
    expect(await s.drain()).toBe(0);
    await s.stop();
    const rows = await t.db.prisma.emailOutbox.findMany({ where: { idempotencyKey: { in: emails.map((e) => e.idempotencyKey) } } });
    for (const row of rows) {
      expect(row).toMatchObject({ status: "failed", attempts: 1 });
      expect(row.lastError).toMatch(/certificate .* does not verify .*NODE_EXTRA_CA_CERTS/);
    }
    expect(peer.received).toHaveLength(0);
    const reported = logLines.slice(before).filter((line) => line.includes("the SMTP settings are wrong"));
    expect(reported).toHaveLength(1);
    // The setting by its code: the portal names its own variable (app/setting-hints.server.ts).
    expect(reported[0]).toContain('"setting":"mail.smtp"');

    // What the README says works: the same server, its certificate trusted with NODE_EXTRA_CA_CERTS.
    const dir = mkdtempSync(path.join(tmpdir(), "tenantry-ca-"));
    try {
      writeFileSync(path.join(dir, "ca.pem"), certificate.cert);
      const script =
        `import { smtpTransport } from ${JSON.stringify(path.resolve("orchestrator/mail/transports.ts"))};` +
        `const t = smtpTransport("smtps://127.0.0.1:${peer.port}");` +
        `await t.send({ from: "a@tenantry.test", to: "b@example.com", subject: "trusted", text: "t", html: "<p>t</p>", messageId: "<trusted@tenantry.test>" });` +
        `t.close();`;
      writeFileSync(path.join(dir, "send.mts"), script);
      // Asynchronous: the SMTP peer answers from this very process.
      const run = await promisify(execFile)(path.resolve("node_modules/.bin/tsx"), [path.join(dir, "send.mts")], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, "ca.pem") },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(run.stderr).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await peer.waitFor(1))[0]!.subject).toBe("trusted");
  });

  it("fails at once when the server refuses the login, without the password in the reason", async () => {
    await clearOutbox();
    const peer = await startPeer({ auth: { user: "tenantry", pass: "right-Secret-1" } });
    const email = credentials();
    await enqueueEmail(t.db.prisma, box, email);
    const before = logLines.length;
    const s = sender(peer.port, {}, `smtp://tenantry:wrong-Secret-2@127.0.0.1:${peer.port}`);
    await s.drain();
    await s.stop();
    const row = await t.db.prisma.emailOutbox.findUniqueOrThrow({ where: { idempotencyKey: email.idempotencyKey } });
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row.lastError).toMatch(/refused the user name or password .*Fix the credentials in the SMTP URL/);
    expect(row.lastError).not.toContain("wrong-Secret-2");
    expect(logLines.slice(before).join("\n")).not.toContain("wrong-Secret-2");
  });
});
