// The customer's credentials email, end to end: a signup becomes an active tenant, the email
// reaches a real SMTP server on loopback in the customer's language, and its password logs in to
// the tenant's app. Resending sets a new password; the old one stops working.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, repoRoot } from "../support/portal.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { logIn, signUp, startTenantLab, tenantSecrets, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const run = promisify(execFile);

function field(mail: ParsedMail, label: RegExp): string {
  const line = mail.text!.split("\n").find((l) => label.test(l));
  if (!line) throw new Error(`no line matching ${label} in:\n${mail.text}`);
  return line.slice(line.search(/:\s*/) + 1).trim();
}

async function waitForMessage(peer: SmtpPeer, to: string, count = 1): Promise<ParsedMail[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const mails = peer.received.filter((m) => (m.to as { text: string }).text === to);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`no email for ${to}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("credentials email over SMTP", () => {
  let lab: TenantLab;
  let peer: SmtpPeer;
  beforeAll(async () => {
    peer = smtpPeer(await freePort());
    await peer.start();
    lab = await startTenantLab({ SMTP_URL: `smtp://127.0.0.1:${peer.port}`, MAIL_FROM: "Acme Cloud <cloud@acme.test>" });
  });
  afterAll(async () => {
    await lab?.stop();
    await peer?.stop();
  });

  it("mails each customer, in their language, credentials that log in to their app", async () => {
    const english = await signUp(lab, `Mail EN ${lab.tag}`, { firstName: "Alice", language: "en" });
    const french = await signUp(lab, `Courriel FR ${lab.tag}`, { firstName: "Élodie", language: "fr" });
    const tenants = await waitForJobs(lab, [english.id, french.id]);
    for (const tenant of tenants) {
      const customer = await lab.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } });
      const [mail] = await waitForMessage(peer, customer.email);
      const port = tenant.portLeases[0]!.port;
      expect((mail!.from as { text: string }).text).toContain("cloud@acme.test");
      if (customer.locale === "fr") {
        expect(mail!.subject).toMatch(/Courriel FR/);
        expect(mail!.text).toMatch(/Bonjour Élodie/);
        expect(field(mail!, /^Identifiant/)).toBe(tenant.slug);
      } else {
        expect(mail!.subject).toMatch(/Mail EN/);
        expect(mail!.text).toMatch(/Hello Alice/);
        expect(field(mail!, /^Username/)).toBe(tenant.slug);
      }
      expect(mail!.text).toContain(`http://localhost:${port}/`);
      expect(String(mail!.html)).toContain(`href="http://localhost:${port}/"`);
      const password = field(mail!, /^(Temporary password|Mot de passe temporaire)/);
      expect((await logIn(port, tenant.slug, password)).status).toBe(200);
    }
    // Delivered: no password left in clear in the outbox, nor in the portal's logs.
    const secrets = await Promise.all(tenants.map((t) => tenantSecrets(lab, t.id)));
    const outbox = JSON.stringify(await lab.db.prisma.emailOutbox.findMany());
    for (const { initial_password } of secrets) {
      expect(outbox).not.toContain(initial_password);
      expect(lab.portal.output()).not.toContain(initial_password);
    }
    expect((await lab.db.prisma.emailOutbox.findMany()).map((m) => m.status)).toEqual(["sent", "sent"]);
  });

  it("resends credentials with a new password; the old one stops working", async () => {
    const tenant = await signUp(lab, `Resend ${lab.tag}`, { firstName: "Bob" });
    const [active] = await waitForJobs(lab, [tenant.id]);
    const customer = await lab.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } });
    const [first] = await waitForMessage(peer, customer.email);
    const oldPassword = field(first!, /^Temporary password/);
    const port = active!.portLeases[0]!.port;

    await lab.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind: "resend_credentials", requestedBy: "test" } });
    const mails = await waitForMessage(peer, customer.email, 2);
    const resent = mails[1]!;
    expect(resent.text).toMatch(/new login details/);
    expect(resent.subject).toMatch(/^New login details/);
    const newPassword = field(resent, /^Temporary password/);
    expect(newPassword).not.toBe(oldPassword);
    expect((await logIn(port, tenant.slug, newPassword)).status).toBe(200);
    expect((await logIn(port, tenant.slug, oldPassword)).status).toBe(401);
    // The stored temporary password is the new one; the job's own secret is gone.
    expect(await tenantSecrets(lab, tenant.id)).toMatchObject({ initial_password: newPassword });
    expect(await lab.db.prisma.tenantSecret.count({ where: { tenantId: tenant.id, name: { startsWith: "resend:" } } })).toBe(0);
    const audit = await lab.db.prisma.auditLog.findFirst({ where: { tenantId: tenant.id, action: "tenant.credentials_resent" } });
    expect(audit?.outcome).toBe("succeeded");
  });

  it("provisioning an active tenant again (a returning customer, a retry) mails a fresh password, and only that one logs in", async () => {
    const tenant = await signUp(lab, `Again ${lab.tag}`, { firstName: "Chloé", language: "fr" });
    const [active] = await waitForJobs(lab, [tenant.id]);
    const customer = await lab.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } });
    const [first] = await waitForMessage(peer, customer.email);
    const firstPassword = field(first!, /^Mot de passe temporaire/);
    const port = active!.portLeases[0]!.port;
    expect((await logIn(port, tenant.slug, firstPassword)).status).toBe(200);

    // The same tenant provisioned again: a returning customer's new trial, or the console's retry.
    await lab.db.prisma.provisioningJob.create({ data: { tenantId: tenant.id, kind: "provision", requestedBy: "test" } });
    const [again] = await waitForJobs(lab, [tenant.id]);
    expect([again!.jobs[0]!.status, again!.actualState]).toEqual(["succeeded", "active"]);
    const mails = await waitForMessage(peer, customer.email, 2);
    const second = mails[1]!;
    expect(second.subject).toMatch(/^Nouveaux identifiants/);
    expect(second.text).toMatch(/L’ancien mot de passe ne fonctionne plus/);
    const secondPassword = field(second, /^Mot de passe temporaire/);
    expect(secondPassword).not.toBe(firstPassword);
    expect((await logIn(port, tenant.slug, secondPassword)).status).toBe(200);
    expect((await logIn(port, tenant.slug, firstPassword)).status).toBe(401);
    // What Tenantry keeps is what was mailed; the job's own secret is gone.
    expect(await tenantSecrets(lab, tenant.id)).toMatchObject({ initial_password: secondPassword });
    expect(await lab.db.prisma.tenantSecret.count({ where: { tenantId: tenant.id, name: { contains: ":" } } })).toBe(0);
    expect(await lab.db.prisma.emailOutbox.count({ where: { tenantId: tenant.id } })).toBe(2);
  });
});

describe("development mailbox (no SMTP configured)", () => {
  let lab: TenantLab;
  beforeAll(async () => {
    lab = await startTenantLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("shows the operator the credentials of a freshly provisioned tenant", async () => {
    const tenant = await signUp(lab, `Mailbox ${lab.tag}`);
    const [active] = await waitForJobs(lab, [tenant.id]);
    const mailbox = (...args: string[]) =>
      run(process.execPath, ["--import", "tsx", "app/mailbox.ts", ...args], {
        cwd: repoRoot,
        env: { ...process.env, DATA_DIR: lab.dataDir, DATABASE_URL: lab.databaseUrl },
      });
    let listing = "";
    for (let i = 0; i < 50 && !listing.includes("1 message"); i++) {
      listing = (await mailbox()).stdout;
      if (!listing.includes("1 message")) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listing).toMatch(/Development mailbox .*: 1 message\(s\)/);
    expect(listing).toContain(`Mailbox ${lab.tag}`);
    const { stdout } = await mailbox("last");
    expect(stdout).toMatch(/^Subject: /m);
    const password = /^Temporary password:\s*(\S+)/m.exec(stdout)?.[1];
    expect(password).toBeTruthy();
    expect((await logIn(active!.portLeases[0]!.port, tenant.slug, password!)).status).toBe(200);
  });
});
