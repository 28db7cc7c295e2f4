// Port leases against a real database and the real host's sockets.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leasePort, NoFreePortError, releasePorts, type PortRange } from "../../orchestrator/ports.ts";
import { freePortRange } from "../support/tenant-engine.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.dispose();
});

let n = 0;
async function tenant() {
  const i = ++n;
  const customer = await t.db.prisma.customer.create({
    data: { email: `ports${i}@example.com`, firstName: "P", lastName: "O", company: "Ports", phone: "+33612345678" },
  });
  return t.db.prisma.tenant.create({ data: { slug: `ports-${i}`, customerId: customer.id, statusToken: `ports-${i}` } });
}

/**
 * A range of `size` ports nobody listens on: a test block of this lane (tests/support/tenant-engine.ts),
 * which `npm test` keeps out of the kernel's ephemeral picks; a range starting at a free ephemeral port
 * could meet the next connections' ports.
 */
async function quietRange(size: number): Promise<PortRange> {
  const { first } = await freePortRange(size);
  return { first, last: first + size - 1 };
}

const nothingPublished = async () => new Set<number>();

describe(`port leases (${process.env.TEST_DB_KIND})`, () => {
  it("leases the first free port, and the same one again for the same tenant and purpose", async () => {
    const range = await quietRange(20);
    const a = await tenant();
    const base = { prisma: t.db.prisma, range, publishedOnEngine: nothingPublished, bindAddress: "127.0.0.1" };
    const port = await leasePort({ ...base, tenantId: a.id, purpose: "app" });
    expect(port).toBeGreaterThanOrEqual(range.first);
    expect(await leasePort({ ...base, tenantId: a.id, purpose: "app" })).toBe(port);
    expect(await leasePort({ ...base, tenantId: a.id, purpose: "db" })).not.toBe(port);
  });

  it("skips ports published on the engine and ports bound on the host", async () => {
    const range = await quietRange(10);
    const listener: Server = createServer();
    await new Promise<void>((resolve) => listener.listen(range.first + 1, "127.0.0.1", resolve));
    try {
      const port = await leasePort({
        prisma: t.db.prisma,
        range,
        tenantId: (await tenant()).id,
        purpose: "app",
        publishedOnEngine: async () => new Set([range.first]),
        bindAddress: "127.0.0.1",
      });
      expect(port).toBe(range.first + 2);
    } finally {
      listener.close();
    }
  });

  it("gives concurrent tenants distinct ports and refuses when the range is exhausted", async () => {
    const range = await quietRange(8);
    const tenants = await Promise.all(Array.from({ length: 8 }, () => tenant()));
    const base = { prisma: t.db.prisma, range, publishedOnEngine: nothingPublished, bindAddress: "127.0.0.1", purpose: "app" };
    const ports = await Promise.all(tenants.map((x) => leasePort({ ...base, tenantId: x.id })));
    expect(new Set(ports).size).toBe(8);
    const extra = await tenant();
    await expect(leasePort({ ...base, tenantId: extra.id })).rejects.toBeInstanceOf(NoFreePortError);

    await releasePorts(t.db.prisma, tenants[3]!.id);
    expect(await leasePort({ ...base, tenantId: extra.id })).toBe(ports[3]);
  });
});
