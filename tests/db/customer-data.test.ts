// Customers' data rights against a real database (PostgreSQL and PGlite): a customer signed up
// through the real signup model, with emails queued to them, is exported (every field written at
// signup is in the JSON, no secret is) and, once their tenant is destroyed, erased; then EVERY text,
// varchar and json/jsonb column of EVERY table is scanned for their first name, last name, email
// and phone, and none holds any of them (the same scan finds them all before the erasure).
// Also: erasure refused while a tenant lives, done once however often asked, and reaching the
// development mailbox's files.
import { randomInt, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { eraseCustomer, erasedEmail } from "../../orchestrator/customers/erase.ts";
import { eraseDevMailboxMessages } from "../../orchestrator/customers/dev-mailbox-erasure.ts";
import { exportCustomerData } from "../../orchestrator/customers/export.ts";
import { devMailboxTransport, readDevMailbox } from "../../orchestrator/mail/dev-mailbox.ts";
import { enqueueEmail } from "../../orchestrator/mail/outbox.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
const secretKey = Buffer.alloc(32, 7);
const box = new SecretBox(secretKey);
const admin = { actorType: "admin", actorId: "owner@vendor.example" } as const;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

/** A customer with names, email and phone found nowhere else in the database. */
function uniquePerson() {
  const tag = randomUUID().replace(/-/g, "").slice(0, 10);
  return signupData({
    firstName: `Zephyrine${tag}`,
    lastName: `Quillfeather${tag}`,
    email: `zq.${tag}@example.com`,
    phone: `+3361${String(randomInt(1_000_000, 9_999_999))}`,
    company: `Quill ${tag}`,
  });
}

async function signUp(person = uniquePerson()) {
  const context = signupContext({ userAgent: `Mozilla/5.0 (${person.lastName})` });
  const outcome = await registerTrialSignup(t.db.prisma, person, context);
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  const tenant = await t.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { customer: true } });
  return { person, context, tenant, customer: tenant.customer };
}

async function queueEmails(tenant: { id: string; slug: string }, person: ReturnType<typeof uniquePerson>) {
  // A delivered-looking plain message, a credentials message still sealed (it carries a password),
  // and one to their address about no tenant.
  await enqueueEmail(t.db.prisma, box, {
    idempotencyKey: `trial-ending:${tenant.id}:7`,
    tenantId: tenant.id,
    to: person.email,
    locale: "en",
    message: { purpose: "trial-ending", firstName: person.firstName, company: person.company, trialEndsAt: new Date(), daysLeft: 7, appUrl: "http://x" },
  });
  await enqueueEmail(t.db.prisma, box, {
    idempotencyKey: `credentials:${tenant.id}`,
    tenantId: tenant.id,
    to: person.email,
    locale: "en",
    message: {
      purpose: "credentials",
      firstName: person.firstName,
      company: person.company,
      plan: "trial",
      trialEndsAt: new Date(),
      appUrl: "http://x",
      username: person.email,
      temporaryPassword: "S3cret-Temporary-Pass",
    },
  });
  await enqueueEmail(t.db.prisma, box, {
    idempotencyKey: `other:${randomUUID()}`,
    to: person.email,
    locale: "fr",
    message: { purpose: "instance-terminated", firstName: person.firstName, company: person.company },
  });
  await t.db.prisma.emailOutbox.updateMany({ where: { idempotencyKey: `trial-ending:${tenant.id}:7` }, data: { status: "sent", sentAt: new Date() } });
}

/** Every text-like column of every table, from the database's own catalogue. */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  const rows = await t.db.prisma.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema()
        AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
      ORDER BY table_name, column_name`,
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name }));
}

/** Where (table.column) any of the values appears, case-insensitively. */
async function scan(values: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const { table, column } of await textColumns()) {
    for (const value of values) {
      const rows = await t.db.prisma.$queryRawUnsafe<{ n: bigint | number }[]>(
        `SELECT count(*) AS n FROM "${table}" WHERE strpos(lower("${column}"::text), lower($1)) > 0`,
        value,
      );
      if (Number(rows[0]?.n ?? 0) > 0) found.set(value, [...(found.get(value) ?? []), `${table}.${column}`]);
    }
  }
  return found;
}

async function destroyTenant(tenantId: string) {
  // As the destroy job's release step leaves it.
  await t.db.prisma.tenant.update({ where: { id: tenantId }, data: { desiredState: "destroyed", actualState: "destroyed", progress: null } });
}

const isoOrNull = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

describe(`customer data rights (${process.env.TEST_DB_KIND})`, () => {
  it("exports every field written at signup, the emails sent, and no secret; the export is audited with ids only", async () => {
    const { person, context, tenant, customer } = await signUp();
    await queueEmails(tenant, person);
    const data = await exportCustomerData(t.db.prisma, customer.id, admin, new Date("2026-12-03T12:00:00Z"));
    if (!data) throw new Error("no export");

    // Every column of the rows signup wrote, with the same value (dates as ISO text).
    const row = await t.db.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } });
    for (const [key, value] of Object.entries(row)) expect(data.customer, key).toHaveProperty(key, isoOrNull(value));
    expect(data.customer).toMatchObject({ firstName: person.firstName, lastName: person.lastName, email: person.email, phone: person.phone, company: person.company });
    const consent = await t.db.prisma.consent.findFirstOrThrow({ where: { customerId: customer.id } });
    expect(data.consents).toHaveLength(1);
    for (const [key, value] of Object.entries(consent)) if (key !== "customerId") expect(data.consents[0], key).toHaveProperty(key, isoOrNull(value));
    expect(data.consents[0]).toMatchObject({ ip: context.ip, userAgent: context.userAgent, termsVersion: context.termsVersion });
    // Secrets of the signup stay out: the replay key and the status page's token.
    const subscription = await t.db.prisma.subscription.findFirstOrThrow({ where: { customerId: customer.id } });
    for (const [key, value] of Object.entries(subscription)) {
      if (key === "customerId") continue;
      if (key === "signupKey") expect(data.subscriptions[0]).not.toHaveProperty(key);
      else expect(data.subscriptions[0], key).toHaveProperty(key, isoOrNull(value));
    }
    const tenantRow = await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(data.tenants).toEqual([
      expect.objectContaining({ id: tenant.id, slug: tenantRow.slug, desiredState: "active", actualState: "pending", createdAt: tenantRow.createdAt.toISOString() }),
    ]);
    const json = JSON.stringify(data);
    expect(json).not.toContain(tenantRow.statusToken);
    expect(json).not.toContain(subscription.signupKey ?? "no key");

    // The three messages, the sealed one without its body (it still carries the password).
    expect(data.emails.map((e) => e.purpose).sort()).toEqual(["credentials", "instance-terminated", "trial-ending"]);
    const ending = data.emails.find((e) => e.purpose === "trial-ending")!;
    expect(ending).toMatchObject({ toAddress: person.email, status: "sent" });
    expect(ending.subject.length).toBeGreaterThan(0);
    expect(ending.bodyText).toContain(person.firstName);
    expect(data.emails.find((e) => e.purpose === "credentials")?.bodyText).toBeNull();
    expect(json).not.toContain("S3cret-Temporary-Pass");

    const entries = await t.db.prisma.auditLog.findMany({ where: { action: "customer.exported" } });
    expect(entries.map((e) => ({ actorId: e.actorId, details: e.details }))).toContainEqual({ actorId: admin.actorId, details: { customerId: customer.id } });
    expect(await exportCustomerData(t.db.prisma, randomUUID(), admin, new Date())).toBeNull();
  });

  it("after erasure no text column of any table holds the customer's names, email or phone", async () => {
    const { person, tenant, customer } = await signUp();
    await queueEmails(tenant, person);
    // An error text that happened to quote the address is cut out too.
    await t.db.prisma.provisioningJob.updateMany({ where: { tenantId: tenant.id }, data: { lastError: `engine said: no user ${person.email}` } });
    await t.db.prisma.emailOutbox.updateMany({
      where: { idempotencyKey: `credentials:${tenant.id}` },
      data: { status: "failed", lastError: `550 5.1.1 <${person.email}>: Recipient address rejected (${person.firstName} ${person.lastName})` },
    });
    const values = [person.firstName, person.lastName, person.email, person.phone];

    // The scan sees them all before: it is able to fail.
    const before = await scan(values);
    expect([...before.keys()].sort()).toEqual([...values].sort());
    expect(before.get(person.email)).toEqual(expect.arrayContaining(["Customer.email", "EmailOutbox.toAddress", "EmailOutbox.lastError", "ProvisioningJob.lastError"]));
    expect(before.get(person.firstName)).toEqual(expect.arrayContaining(["Customer.firstName", "EmailOutbox.bodyText"]));

    // Refused while the tenant lives, and nothing changes.
    expect(await eraseCustomer(t.db.prisma, customer.id, admin, new Date())).toEqual({ kind: "live-tenants", slugs: [tenant.slug] });
    expect((await t.db.prisma.customer.findUniqueOrThrow({ where: { id: customer.id } })).erasedAt).toBeNull();

    await destroyTenant(tenant.id);
    const at = new Date("2026-12-03T12:30:00Z");
    expect(await eraseCustomer(t.db.prisma, customer.id, admin, at)).toEqual({ kind: "erased", customerId: customer.id, emails: 3 });

    const after = await scan(values);
    expect(Object.fromEntries(after)).toEqual({});

    // The rows stay, ids and slugs kept, the personal fields replaced.
    const erased = await t.db.prisma.customer.findUniqueOrThrow({ where: { id: customer.id }, include: { consents: true, tenants: true } });
    expect(erased).toMatchObject({ email: erasedEmail(customer.id), firstName: "erased", lastName: "erased", phone: "erased", company: "erased" });
    expect(erased.erasedAt?.toISOString()).toBe(at.toISOString());
    expect(erased.consents[0]).toMatchObject({ ip: "erased", userAgent: "erased" });
    expect(erased.tenants[0]?.slug).toBe(tenant.slug);
    const emails = await t.db.prisma.emailOutbox.findMany({ where: { toAddress: erasedEmail(customer.id) } });
    expect(emails).toHaveLength(3);
    for (const e of emails) expect(e).toMatchObject({ sealedSecrets: null, bodyText: "", bodyHtml: "", encrypted: false });
    // Those not delivered yet never will be.
    expect(emails.filter((e) => e.status !== "sent").every((e) => e.status === "failed")).toBe(true);

    // Audited once, ids only; a second erasure changes nothing.
    expect(await eraseCustomer(t.db.prisma, customer.id, admin, new Date())).toEqual({ kind: "already-erased", customerId: customer.id });
    const entries = await t.db.prisma.auditLog.findMany({ where: { action: "customer.erased", details: { path: ["customerId"], equals: customer.id } } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorType: "admin", actorId: admin.actorId, outcome: "succeeded", details: { customerId: customer.id, tenants: 1, emails: 3 } });
    expect(await eraseCustomer(t.db.prisma, randomUUID(), admin, new Date())).toEqual({ kind: "not-found" });
  });

  it("two erasures at once: one erases, the other finds it done", async () => {
    const { tenant, customer } = await signUp();
    await destroyTenant(tenant.id);
    const outcomes = await Promise.all([0, 1].map(() => eraseCustomer(t.db.prisma, customer.id, admin, new Date())));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(["already-erased", "erased"]);
    expect(await t.db.prisma.auditLog.count({ where: { action: "customer.erased", details: { path: ["customerId"], equals: customer.id } } })).toBe(1);
  });

  it("deletes the development mailbox's messages to the erased address, and only those", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-mailbox-"));
    try {
      const transport = devMailboxTransport(dir, box);
      const envelope = (to: string, n: number) => ({ from: "Tenantry <no-reply@example.com>", to, subject: `s${n}`, text: "t", html: "<p>t</p>", messageId: `<m${n}@x>` });
      await transport.send(envelope("Zoe.Gone@example.com", 1));
      await transport.send(envelope("kept@example.com", 2));
      await transport.send(envelope("Zoé <zoe.gone@example.com>", 3));
      expect(await eraseDevMailboxMessages(dir, secretKey, ["zoe.gone@example.com"])).toBe(2);
      expect((await readDevMailbox(dir, secretKey)).map((m) => m.to)).toEqual(["kept@example.com"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
