// The account page's link in the trial and billing emails (issue 12), on a real database (PostgreSQL
// and PGlite) with a real SMTP peer: with the portal's address set, a trial reminder and a
// payment-failed email are queued sealed (the link holds the tenant's status token), the customer
// receives `<portalUrl>/trial/<token>` under its FR label, and the copy kept after delivery has the
// link cut out (as the account-link email's); without the address the reminder is as before.
import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyEffects, STRIPE_ACTOR, transitionEmail } from "../../orchestrator/billing/billing-effects.ts";
import { defaultTimeSettings } from "../../orchestrator/index.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { mailDelivery } from "../../orchestrator/mail/sender.ts";
import { smtpTransport } from "../../orchestrator/mail/transports.ts";
import type { SchedulerDeps } from "../../orchestrator/scheduler/deps.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { loadTemplates } from "../../orchestrator/templates/load.ts";
import { trialLifecycleTask } from "../../orchestrator/trials/trial-lifecycle-task.ts";
import { freePort } from "../support/portal.ts";
import { smtpPeer } from "../support/smtp-peer.ts";
import { TEMPLATES_ROOT } from "../support/template-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const DAY = 86_400_000;
const PORTAL = "https://portal.l.test";
const LABEL_FR = "Souscrire / gérer mon abonnement depuis votre espace client";
const box = new SecretBox(randomBytes(32));
let t: TestDatabase;
let deps: SchedulerDeps;

beforeAll(async () => {
  t = await createTestDatabase();
  const template = (await loadTemplates(TEMPLATES_ROOT)).get("demo")!;
  deps = {
    prisma: t.db.prisma,
    // Never called by these steps (they only write rows); no connection is made to build it.
    driver: createDockerDriver({ docker: new Dockerode({ socketPath: "/var/run/docker.sock" }) }),
    clock: systemClock,
    logger: silentLogger,
    secretBox: box,
    template,
    templateValues: {},
    portRange: { first: 43100, last: 43199 },
    bindAddress: "127.0.0.1",
    tenantUrl: "http://127.0.0.1:{port}",
    portalUrl: PORTAL,
    finalDumps: { dir: "/nonexistent", retentionDays: 90 },
    time: { ...defaultTimeSettings(), trialReminderDays: [7, 1], suspendedDaysBeforeTermination: 30 },
    notify: { mode: "mock", emails: [], vendorName: "Tenantry", locale: "en" },
  };
});
afterAll(async () => {
  await t?.dispose();
});

let counter = 0;
async function trialTenant(endsAt: Date) {
  const n = `${++counter}-${randomBytes(3).toString("hex")}`;
  const customer = await t.db.prisma.customer.create({
    data: { email: `l.${n}@example.com`, firstName: `Lea${n}`, lastName: "L", company: `L Linkco ${n}`, phone: "+33612345678", locale: "fr" },
  });
  const subscription = await t.db.prisma.subscription.create({ data: { customerId: customer.id, plan: "trial", status: "trialing", trialEndsAt: endsAt } });
  const tenant = await t.db.prisma.tenant.create({
    data: { slug: `l-linkco-${n}`, customerId: customer.id, subscriptionId: subscription.id, statusToken: `l-token-${randomBytes(16).toString("hex")}`, desiredState: "active", actualState: "active" },
  });
  await t.db.prisma.portLease.create({ data: { tenantId: tenant.id, port: 43100 + counter, purpose: "APP_PORT" } });
  return { customer, subscription, tenant };
}

const runTask = (d: SchedulerDeps, asOf: Date) =>
  trialLifecycleTask(d).run({ asOf, periodStart: asOf, runId: "test", signal: new AbortController().signal, logger: silentLogger });

describe(`the account page's link in trial and billing emails (${process.env.TEST_DB_KIND})`, () => {
  it("a reminder and a payment-failed email carry the link, sealed until delivered and cut from the kept copy", async () => {
    const end = new Date("2027-06-30T10:00:00Z");
    const { tenant, subscription } = await trialTenant(end);
    const link = `${PORTAL}/trial/${tenant.statusToken}`;
    await runTask(deps, new Date(end.getTime() - 7 * DAY));
    await t.db.prisma.$transaction(async (tx) => {
      const at = new Date(end.getTime() - 6 * DAY);
      await applyEffects(tx, deps, {
        subscriptionId: subscription.id,
        tenantId: tenant.id,
        transition: "past_due",
        tenant: null,
        actor: STRIPE_ACTOR,
        unchangedAction: "subscription.updated",
        details: {},
        email: transitionEmail(subscription.id, "past_due", { pastDueSince: at, graceEndsAt: new Date(at.getTime() + 7 * DAY), endedAt: null }, at),
      });
    });
    const queued = await t.db.prisma.emailOutbox.findMany({ where: { tenantId: tenant.id }, orderBy: { createdAt: "asc" } });
    expect(queued.map((e) => e.purpose)).toEqual(["trial-ending", "payment-failed"]);
    for (const row of queued) {
      expect(row.encrypted).toBe(true);
      expect(JSON.stringify(row)).not.toContain(tenant.statusToken);
    }

    const peer = smtpPeer(await freePort());
    await peer.start();
    try {
      const transport = smtpTransport(`smtp://127.0.0.1:${peer.port}`);
      const delivery = mailDelivery({
        prisma: t.db.prisma,
        secretBox: box,
        transport,
        from: "Tenantry <no-reply@tenantry.test>",
        clock: systemClock,
        logger: silentLogger,
        maxAttempts: 3,
        backoff: { baseMs: 100, maxMs: 400 },
        pollIntervalMs: 60_000,
      });
      expect(await delivery.drain()).toBe(2);
      await transport.close();
      const mails = await peer.waitFor(2);
      for (const mail of mails) {
        expect(mail.text).toContain(LABEL_FR);
        expect(mail.text).toContain(link);
        expect(String(mail.html)).toContain(`href="${link}"`);
      }
    } finally {
      await peer.stop();
    }
    const kept = await t.db.prisma.emailOutbox.findMany({ where: { tenantId: tenant.id } });
    for (const row of kept) {
      expect(row).toMatchObject({ status: "sent", encrypted: false, sealedSecrets: null });
      expect(JSON.stringify(row)).not.toContain(tenant.statusToken);
      expect(row.bodyText).toContain(LABEL_FR);
      expect(row.bodyText).toContain("••••••••");
    }
  });

  it("without the portal's address the reminder is as before: in clear, no link", async () => {
    const end = new Date("2027-07-30T10:00:00Z");
    const { tenant } = await trialTenant(end);
    const { portalUrl: _unset, ...without } = deps;
    await runTask(without, new Date(end.getTime() - 7 * DAY));
    const [row, ...rest] = await t.db.prisma.emailOutbox.findMany({ where: { tenantId: tenant.id } });
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ purpose: "trial-ending", encrypted: false });
    expect(row!.bodyText).not.toContain(LABEL_FR);
    expect(row!.bodyText).not.toContain("/trial/");
    expect(row!.bodyText).not.toContain(tenant.statusToken);
  });
});
