// "Send me my link" (issue 12) against a real database, PostgreSQL and PGlite alike (the embedded
// database is the quick start's): a known address's newest standing tenant gets a new token and one
// queued email whose stored body is sealed; an unknown, an erased or a destroyed-only customer gets
// nothing, with the same outcome; the per-address limit counts requests from the audit log (another
// address is not limited); a tenant gets at most LINKS_PER_TENANT_PER_HOUR links an hour.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { LINKS_PER_TENANT_PER_HOUR, sendAccountLink } from "../../orchestrator/customers/account-link.ts";
import { SecretBox } from "../../orchestrator/secrets.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
// The audit entries the limits count carry the database's own time: the clock starts at the real time.
let now = new Date();
const box = new SecretBox(Buffer.alloc(32, 9));
const deps = () => ({ prisma: t.db.prisma, secretBox: box, clock: { now: () => now } });
const request = (email: string, ip: string, perIpPerHour = 100) => ({ email, ip, perIpPerHour, accountUrl: (token: string) => `https://portal.k.test/trial/${token}` });

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

async function signUp(email: string) {
  const outcome = await registerTrialSignup(t.db.prisma, signupData({ email }), signupContext({ now }));
  if (outcome.kind !== "created") throw new Error(`signup: ${outcome.kind}`);
  return t.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } });
}

describe("send me my link", () => {
  it("renews a known address's link and queues one sealed email; unknown, erased and destroyed-only addresses get the same answer and nothing", async () => {
    const tenant = await signUp("k-db-known@example.com");
    expect(await sendAccountLink(deps(), request("  K-DB-Known@Example.com ", "10.9.0.1"))).toEqual({ kind: "accepted" });
    const after = await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(after.statusToken).not.toBe(tenant.statusToken);
    expect(after.statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const mails = await t.db.prisma.emailOutbox.findMany({ where: { tenantId: tenant.id, purpose: "account-link" } });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.encrypted).toBe(true);
    expect(`${mails[0]!.bodyText}${mails[0]!.bodyHtml}`).not.toContain(after.statusToken);

    const erased = await signUp("k-db-erased@example.com");
    await t.db.prisma.customer.update({ where: { id: erased.customerId }, data: { erasedAt: now } });
    const gone = await signUp("k-db-gone@example.com");
    await t.db.prisma.tenant.update({ where: { id: gone.id }, data: { actualState: "destroyed" } });
    for (const email of ["k-db-nobody@example.com", "k-db-erased@example.com", "k-db-gone@example.com"]) {
      expect(await sendAccountLink(deps(), request(email, "10.9.0.1"))).toEqual({ kind: "accepted" });
    }
    expect((await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: erased.id } })).statusToken).toBe(erased.statusToken);
    expect((await t.db.prisma.tenant.findUniqueOrThrow({ where: { id: gone.id } })).statusToken).toBe(gone.statusToken);
    expect(await t.db.prisma.emailOutbox.count({ where: { purpose: "account-link" } })).toBe(1);
    expect(await t.db.prisma.auditLog.count({ where: { action: "account.link_requested" } })).toBe(4);
    expect(await t.db.prisma.auditLog.count({ where: { action: "account.link_renewed" } })).toBe(1);
  });

  it("limits requests per client address within the hour, whatever address is typed, and not other clients", async () => {
    const ip = "10.9.0.2";
    for (let i = 0; i < 3; i++) expect(await sendAccountLink(deps(), request(`k-db-probe${i}@example.com`, ip, 3))).toEqual({ kind: "accepted" });
    const limited = await sendAccountLink(deps(), request("k-db-probe9@example.com", ip, 3));
    expect(limited.kind).toBe("rate-limited");
    expect(limited.kind === "rate-limited" ? limited.retryAfterSeconds : 0).toBeGreaterThan(3500);
    expect(await sendAccountLink(deps(), request("k-db-probe9@example.com", "10.9.0.3", 3))).toEqual({ kind: "accepted" });
    now = new Date(now.getTime() + 61 * 60_000);
    expect(await sendAccountLink(deps(), request("k-db-probe9@example.com", ip, 3))).toEqual({ kind: "accepted" });
  });

  it(`sends one tenant at most ${LINKS_PER_TENANT_PER_HOUR} links an hour, whoever asks`, async () => {
    now = new Date();
    const tenant = await signUp("k-db-busy@example.com");
    for (let i = 0; i < LINKS_PER_TENANT_PER_HOUR + 2; i++) {
      expect(await sendAccountLink(deps(), request("k-db-busy@example.com", `10.9.1.${i}`))).toEqual({ kind: "accepted" });
    }
    expect(await t.db.prisma.emailOutbox.count({ where: { tenantId: tenant.id, purpose: "account-link" } })).toBe(LINKS_PER_TENANT_PER_HOUR);
  });
});
