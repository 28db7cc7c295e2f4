// Migrations applied to an empty database, recorded as Prisma records them, and every model
// written and read back through the generated client.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMigrations } from "../../prisma/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

describe(`migrations (${process.env.TEST_DB_KIND})`, () => {
  it("records every committed migration in _prisma_migrations with Prisma's checksum", async () => {
    const files = await readMigrations();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const rows = await t.db.prisma.$queryRawUnsafe<
      { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
    >(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(createHash("sha256").update(files[i]!.sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("applies nothing the second time", async () => {
    const report = await t.db.migrate();
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a migration whose file changed after it was applied", async () => {
    const files = await readMigrations();
    const tampered = files.map((f, i) => (i === 0 ? { ...f, checksum: "0".repeat(64) } : f));
    await expect(t.db.migrate(tampered)).rejects.toThrow(/was changed after it was applied/);
  });

  it("writes and reads back every model through the generated client", async () => {
    const p = t.db.prisma;
    const customer = await p.customer.create({
      data: { email: "model@example.com", firstName: "Zoé", lastName: "Ñúñez", company: "Models", phone: "+33612345678", locale: "fr" },
    });
    const subscription = await p.subscription.create({
      data: { customerId: customer.id, trialEndsAt: new Date("2026-12-21T00:00:00Z"), signupKey: "key-model-0000000001" },
    });
    const tenant = await p.tenant.create({
      data: { slug: "models", customerId: customer.id, subscriptionId: subscription.id, statusToken: "tok-models" },
    });
    const job = await p.provisioningJob.create({ data: { tenantId: tenant.id, kind: "provision" } });
    await p.jobStep.create({ data: { jobId: job.id, name: "reserve", position: 1, status: "succeeded" } });
    await p.portLease.create({ data: { port: 20001, tenantId: tenant.id, purpose: "app" } });
    await p.tenantSecret.create({ data: { tenantId: tenant.id, name: "db_password", ciphertext: "v1:iv:tag:ct" } });
    await p.consent.create({
      data: { customerId: customer.id, subscriptionId: subscription.id, termsVersion: "v1", ip: "127.0.0.1", userAgent: "test" },
    });
    const audit = await p.auditLog.create({
      data: { actorType: "system", action: "test.write", tenantId: tenant.id, outcome: "succeeded", details: { nested: [1, "two"] } },
    });
    await p.emailOutbox.create({
      data: { idempotencyKey: `credentials:${tenant.id}`, purpose: "credentials", tenantId: tenant.id, toAddress: customer.email, locale: "fr", subject: "s", bodyText: "t", bodyHtml: "<p>h</p>" },
    });
    const admin = await p.adminUser.create({ data: { email: "owner@example.com", passwordHash: "$2a$10$x", role: "owner" } });
    await p.adminSession.create({
      data: { adminUserId: admin.id, tokenHash: "h".repeat(64), csrfToken: "c", expiresAt: new Date(Date.now() + 3600_000) },
    });

    const back = await p.tenant.findUniqueOrThrow({
      where: { slug: "models" },
      include: {
        customer: true,
        subscription: { include: { consents: true } },
        jobs: { include: { steps: true } },
        portLeases: true,
        secrets: true,
        emails: true,
      },
    });
    expect(back.customer.firstName).toBe("Zoé");
    expect(back.customer.lastName).toBe("Ñúñez");
    expect(back.subscription?.status).toBe("trialing");
    expect(back.subscription?.trialEndsAt?.toISOString()).toBe("2026-12-21T00:00:00.000Z");
    expect(back.subscription?.consents[0]?.termsVersion).toBe("v1");
    expect(back.desiredState).toBe("active");
    expect(back.actualState).toBe("pending");
    expect(back.jobs[0]?.status).toBe("queued");
    expect(back.jobs[0]?.steps[0]?.name).toBe("reserve");
    expect(back.portLeases[0]?.port).toBe(20001);
    expect(back.secrets[0]?.ciphertext).toBe("v1:iv:tag:ct");
    expect(back.emails[0]?.status).toBe("pending");
    const auditBack = await p.auditLog.findUniqueOrThrow({ where: { id: audit.id } });
    expect(typeof auditBack.id).toBe("bigint");
    expect(auditBack.details).toEqual({ nested: [1, "two"] });
    const sessionBack = await p.adminSession.findFirstOrThrow({ include: { adminUser: true } });
    expect(sessionBack.adminUser.role).toBe("owner");
  });

  it("refuses a second lease of the same port", async () => {
    const tenant = await t.db.prisma.tenant.findUniqueOrThrow({ where: { slug: "models" } });
    await expect(
      t.db.prisma.portLease.create({ data: { port: 20001, tenantId: tenant.id, purpose: "db" } }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("keeps the audit log append-only, whoever asks", async () => {
    const entry = await t.db.prisma.auditLog.create({ data: { actorType: "system", action: "keep.me", outcome: "succeeded" } });
    await expect(
      t.db.prisma.auditLog.update({ where: { id: entry.id }, data: { outcome: "forged" } }),
    ).rejects.toThrow();
    await expect(t.db.prisma.auditLog.delete({ where: { id: entry.id } })).rejects.toThrow();
    await expect(t.sql(`DELETE FROM "AuditLog"`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`TRUNCATE "AuditLog"`)).rejects.toThrow(/append-only/);
    const still = await t.db.prisma.auditLog.findUniqueOrThrow({ where: { id: entry.id } });
    expect(still.outcome).toBe("succeeded");
  });
});
