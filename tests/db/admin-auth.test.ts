// Admin sign-in and first run against a real database (PostgreSQL and PGlite), with real parallel
// calls: attempts are counted before any password is checked, per address and per (email,
// address); the first owner is created once, with a setup token any portal process issued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstOwner, issueSetupToken, isSetupTokenValid } from "../../app/admin/first-run.server.ts";
import { recordLoginAttempt, THROTTLE_LIMIT, THROTTLE_WINDOW_MINUTES } from "../../app/admin/login-throttle.server.ts";
import { attemptLogin, createAdmin, unlockAdmin } from "../../app/models/admin-auth.server.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

const OWNER = { email: "owner@vendor.test", password: "the owner's long password" };

describe(`first run (${process.env.TEST_DB_KIND})`, () => {
  it("refuses without a setup token, accepts any process's token, makes exactly one owner under parallel calls", async () => {
    // Two portal processes sharing the database each printed a token.
    const first = (await issueSetupToken(t.db.prisma))!;
    const second = (await issueSetupToken(t.db.prisma))!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second).not.toBe(first);
    // Only hashes are stored.
    const stored = await t.db.prisma.adminSetupToken.findMany();
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toContain(first);

    expect(await createFirstOwner(t.db.prisma, { ...OWNER, token: "" }, "192.0.2.1")).toEqual({ kind: "token" });
    expect(await createFirstOwner(t.db.prisma, { ...OWNER, token: "not-the-token" }, "192.0.2.1")).toEqual({ kind: "token" });
    expect(await t.db.prisma.adminUser.count()).toBe(0);

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createFirstOwner(t.db.prisma, { email: `owner${i}@vendor.test`, password: OWNER.password, token: i % 2 ? first : second }, "192.0.2.1"),
      ),
    );
    expect(outcomes.filter((o) => o.kind === "created")).toHaveLength(1);
    expect(await t.db.prisma.adminUser.count({ where: { role: "owner" } })).toBe(1);
    // Every token is consumed with the first owner, and no new one is issued.
    expect(await t.db.prisma.adminSetupToken.count()).toBe(0);
    expect(await isSetupTokenValid(t.db.prisma, first)).toBe(false);
    expect(await issueSetupToken(t.db.prisma)).toBeNull();
    expect(await t.db.prisma.auditLog.count({ where: { action: "admin.created" } })).toBe(1);
    expect(await t.db.prisma.auditLog.count({ where: { action: "admin.setup_refused" } })).toBe(2);
  });
});

describe(`sign-in throttle (${process.env.TEST_DB_KIND})`, () => {
  it("counts parallel attempts atomically: exactly the limit is allowed per address", async () => {
    const now = new Date("2026-12-03T10:00:00Z");
    const verdicts = await Promise.all(Array.from({ length: 40 }, (_, i) => recordLoginAttempt(t.db.prisma, `x${i}@vendor.test`, "198.51.100.1", now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(THROTTLE_LIMIT);
    expect(verdicts.filter((v) => v.firstRefusal)).toHaveLength(1);
    const row = await t.db.prisma.loginThrottle.findUniqueOrThrow({ where: { scope_key: { scope: "address", key: "198.51.100.1" } } });
    expect(row.count).toBe(40);
    // A new window starts once the old one is over.
    const later = new Date(now.getTime() + THROTTLE_WINDOW_MINUTES * 60_000 + 1);
    expect((await recordLoginAttempt(t.db.prisma, "x@vendor.test", "198.51.100.1", later)).allowed).toBe(true);
  });

  it("checks at most the limit of passwords under 60 parallel wrong logins; the owner still signs in from elsewhere", async () => {
    await createAdmin(t.db.prisma, "victim@vendor.test", OWNER.password, "operator");
    const now = new Date();
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) => attemptLogin(t.db.prisma, "Victim@vendor.test", `guess ${i}`, "198.51.100.2", now)),
    );
    expect(outcomes.every((o) => o.kind === "refused")).toBe(true);
    const checked = await t.db.prisma.auditLog.count({ where: { action: "admin.login_failed", actorId: "victim@vendor.test" } });
    expect(checked).toBe(THROTTLE_LIMIT);
    // From the attacking address, even the right password is refused without being checked.
    expect((await attemptLogin(t.db.prisma, "victim@vendor.test", OWNER.password, "198.51.100.2", now)).kind).toBe("refused");
    expect(await t.db.prisma.auditLog.count({ where: { action: "admin.login_failed", actorId: "victim@vendor.test" } })).toBe(THROTTLE_LIMIT);
    // The account itself is not locked: its owner signs in from another address.
    expect((await attemptLogin(t.db.prisma, "victim@vendor.test", OWNER.password, "203.0.113.5", now)).kind).toBe("ok");
  });

  it("throttles one email from one address without locking the address for other emails", async () => {
    const now = new Date();
    // A success gives the address its attempt back, so the (email, address) limit is the one met.
    await createAdmin(t.db.prisma, "colleague@vendor.test", OWNER.password, "viewer");
    for (let i = 0; i < THROTTLE_LIMIT; i++) {
      expect((await attemptLogin(t.db.prisma, "colleague@vendor.test", OWNER.password, "198.51.100.3", now)).kind).toBe("ok");
    }
    const row = await t.db.prisma.loginThrottle.findUniqueOrThrow({ where: { scope_key: { scope: "address", key: "198.51.100.3" } } });
    expect(row.count).toBe(0);
  });

  it("unlocks an email: its counters and its addresses' counters go, and the unlock is audited", async () => {
    const now = new Date();
    for (let i = 0; i < THROTTLE_LIMIT + 2; i++) await attemptLogin(t.db.prisma, "victim@vendor.test", `typo ${i}`, "198.51.100.4", now);
    expect((await attemptLogin(t.db.prisma, "victim@vendor.test", OWNER.password, "198.51.100.4", now)).kind).toBe("refused");
    const addresses = await unlockAdmin(t.db.prisma, "VICTIM@vendor.test", "test");
    expect(addresses.sort()).toEqual(["198.51.100.2", "198.51.100.4"]);
    expect(await t.db.prisma.loginThrottle.count({ where: { account: "victim@vendor.test" } })).toBe(0);
    expect((await attemptLogin(t.db.prisma, "victim@vendor.test", OWNER.password, "198.51.100.4", now)).kind).toBe("ok");
    const entry = await t.db.prisma.auditLog.findFirstOrThrow({ where: { action: "admin.unlocked" } });
    expect(entry.details).toMatchObject({ email: "victim@vendor.test", via: "test" });
  });
});
