// The customer's account page without Stripe (issue 12), through the real portal (its mail sender
// on, a real SMTP peer; no engine, so the jobs it queues stay queued and are checked in the database):
// - "send me my link" at /trial: a known and an unknown address get the same answer; the known one's
//   instance gets a new link by email (made from PORTAL_URL, never the request's Host), the old link
//   answers 404 at once, the kept copy of the email no longer holds the link, all audited; past
//   ACCOUNT_LINK_RATE_LIMIT_PER_HOUR requests from one address: 429 with Retry-After, nothing changed.
// - In Chromium, in French: the page shows the days left, the masked address the login details went
//   to, the steps in words; "resend" queues the resend_credentials job, "export" downloads the JSON,
//   "close" refuses a wrong name, then queues the destroy job; each audited with the customer as actor.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { launchChromium } from "../support/browser.ts";
import { createSharedDatabase, postForm, type SharedDatabase } from "../support/console-fixtures.ts";
import { startPortal, type Portal } from "../support/portal.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { portInRange } from "../support/free-port-in-range.ts";

// Not where the portal listens: the emailed link must come from this setting, not from the request.
const PORTAL_URL = "http://account.k-portal.test";
let shared: SharedDatabase;
let portal: Portal;
let peer: SmtpPeer;
let browser: Browser;

async function signUp(locale: "en" | "fr", email: string) {
  const outcome = await registerTrialSignup(shared.db.prisma, signupData({ email, company: `K Account ${locale}` }), signupContext({ locale }));
  if (outcome.kind !== "created") throw new Error(`the signup was ${outcome.kind}`);
  const tenant = await shared.db.prisma.tenant.update({
    where: { statusToken: outcome.statusToken },
    data: { actualState: "active" },
    select: { id: true, slug: true, customerId: true, statusToken: true },
  });
  // As if provisioned: no worker runs it here (the engine is unreachable on purpose).
  await shared.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { status: "succeeded" } });
  return tenant;
}

beforeAll(async () => {
  shared = await createSharedDatabase();
  peer = smtpPeer(await portInRange(48900, 48949));
  await peer.start();
  [portal, browser] = await Promise.all([
    startPortal({
      DATABASE_URL: shared.url,
      WORKER: "true",
      SCHEDULER: "false",
      DOCKER_SOCKET: "/nonexistent/docker.sock",
      SMTP_URL: `smtp://127.0.0.1:${peer.port}`,
      PORTAL_URL,
      ACCOUNT_LINK_RATE_LIMIT_PER_HOUR: "3",
    }),
    launchChromium(),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await portal?.stop();
  await peer?.stop();
  await shared?.dispose();
});

describe("send me my link", () => {
  it("answers known and unknown addresses alike, mails the known one a fresh link and kills the old one; then rate-limits", async () => {
    const tenant = await signUp("en", "k-known@customer.test");
    expect((await fetch(`${portal.url}/trial/${tenant.statusToken}`)).status).toBe(200);

    const known = await postForm(`${portal.url}/trial?index`, { email: "K-Known@Customer.test" });
    const unknown = await postForm(`${portal.url}/trial?index`, { email: "k-nobody@customer.test" });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    const [knownBody, unknownBody] = [await known.text(), await unknown.text()];
    expect(knownBody).toContain("If this address belongs to one of our customers, a link is on its way.");
    expect(unknownBody).toBe(knownBody);

    // The old link is dead at once; the new one is in the email, made from PORTAL_URL.
    expect((await fetch(`${portal.url}/trial/${tenant.statusToken}`)).status).toBe(404);
    const { statusToken } = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { statusToken: true } });
    expect(statusToken).not.toBe(tenant.statusToken);
    const [mail] = await peer.waitFor(1, 30_000);
    expect(mail!.to && "text" in mail!.to ? mail!.to.text : "").toBe("k-known@customer.test");
    expect(mail!.subject).toBe("Your account page for K Account en");
    expect(mail!.text).toContain(`${PORTAL_URL}/trial/${statusToken}`);
    expect(mail!.text).toContain("The previous link no longer works.");
    expect((await fetch(`${portal.url}/trial/${statusToken}`)).status).toBe(200);
    // One message only (none for the unknown address), and its kept copy no longer holds the link.
    const outbox = await shared.db.prisma.emailOutbox.findMany({ where: { purpose: "account-link" } });
    expect(outbox.map((m) => [m.toAddress, m.status])).toEqual([["k-known@customer.test", "sent"]]);
    expect(`${outbox[0]!.bodyText}${outbox[0]!.bodyHtml}`).not.toContain(statusToken);

    const audit = await shared.db.prisma.auditLog.findMany({ where: { action: { startsWith: "account.link" } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType, a.tenantId])).toEqual([
      ["account.link_requested", "public", null],
      ["account.link_renewed", "public", tenant.id],
      ["account.link_requested", "public", null],
    ]);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain(statusToken);

    // The limit is 3 an hour from one address: the third passes, the fourth is refused, known or not.
    expect((await postForm(`${portal.url}/trial?index`, { email: "k-other@customer.test" })).status).toBe(200);
    const limited = await postForm(`${portal.url}/trial?index`, { email: "k-known@customer.test" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(3000);
    expect(await limited.text()).toContain("Too many requests from your network. Please try again in 60 minutes.");
    const after = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { statusToken: true } });
    expect(after.statusToken).toBe(statusToken);
  });
});

describe("the account page's own actions, in French", () => {
  it("shows the days left and where the login details went, resends them, exports the data and closes the account", async () => {
    const tenant = await signUp("fr", "k-jeanne@client.test");
    const page = await (await browser.newContext({ locale: "fr-FR", acceptDownloads: true })).newPage();
    await page.goto(`${portal.url}/trial/${tenant.statusToken}`);
    await page.getByRole("heading", { name: "Votre espace client" }).waitFor();
    expect(await page.getByTestId("days-left").textContent()).toBe("Encore 30 jours d'essai gratuit");
    expect(await page.getByTestId("sent-to").textContent()).toBe("k-•••@client.test");
    expect(await page.getByTestId("plan-status").textContent()).toBe("Essai gratuit");
    expect(await page.getByTestId("state").textContent()).toBe("Prête");
    // Steps in words, never their internal names.
    const progress = (await page.getByTestId("progress").textContent()) ?? "";
    expect(progress).not.toMatch(/ready:|route:|create-initial-user/);
    // Without Stripe settings the page says subscribing is not online yet.
    await page.getByTestId("billing-off").getByText("Le paiement en ligne n'est pas encore en place").waitFor();

    await page.getByRole("button", { name: "M'envoyer de nouveaux identifiants" }).click();
    await page.getByTestId("notice").filter({ hasText: "De nouveaux identifiants sont en route vers k-•••@client.test." }).waitFor();
    const resend = await shared.db.prisma.provisioningJob.findMany({ where: { tenantId: tenant.id, kind: "resend_credentials" } });
    expect(resend.map((j) => [j.status, j.requestedBy])).toEqual([["queued", `customer:${tenant.customerId}`]]);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Exporter mes données" }).click()]);
    const exported = JSON.parse(await streamText(await download.createReadStream())) as { format: string; customer: { email: string }; tenants?: unknown };
    expect(exported.format).toBe("tenantry.customer-export.v1");
    expect(exported.customer.email).toBe("k-jeanne@client.test");
    expect(JSON.stringify(exported)).not.toContain(tenant.statusToken);

    await page.getByLabel(`Pour confirmer, saisissez le nom de votre instance : ${tenant.slug}`).fill("pas-le-bon-nom");
    await page.getByRole("button", { name: "Fermer mon compte et supprimer mon instance" }).click();
    await page.getByTestId("notice").filter({ hasText: `Saisissez le nom de votre instance, ${tenant.slug}, exactement comme affiché` }).waitFor();
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "destroy" } })).toBe(0);

    await page.getByLabel(`Pour confirmer, saisissez le nom de votre instance : ${tenant.slug}`).fill(tenant.slug);
    await page.getByRole("button", { name: "Fermer mon compte et supprimer mon instance" }).click();
    await page.getByTestId("notice").filter({ hasText: "Votre compte est en cours de fermeture" }).waitFor();
    const row = await shared.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { desiredState: true } });
    expect(row.desiredState).toBe("destroyed");
    expect(await shared.db.prisma.provisioningJob.count({ where: { tenantId: tenant.id, kind: "destroy", status: "queued" } })).toBe(1);
    // Once closing, neither resend nor close is offered again.
    expect(await page.getByTestId("resend").count()).toBe(0);
    expect(await page.getByTestId("close").count()).toBe(0);

    const audit = await shared.db.prisma.auditLog.findMany({
      where: { tenantId: tenant.id, action: { in: ["account.resend", "account.close"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => [a.action, a.outcome, a.actorType, a.actorId])).toEqual([
      ["account.resend", "queued", "customer", tenant.customerId],
      ["account.close", "refused", "customer", tenant.customerId],
      ["account.close", "queued", "customer", tenant.customerId],
    ]);
    const exports = await shared.db.prisma.auditLog.findMany({ where: { action: "customer.exported", actorId: tenant.customerId } });
    expect(exports.map((a) => a.actorType)).toEqual(["customer"]);
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
