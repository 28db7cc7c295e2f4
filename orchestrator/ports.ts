// Host ports for tenants, leased from a configured range. The unique index on PortLease.port is
// what guarantees no two tenants get the same port; before leasing, ports already published on the
// engine or bound on the host are skipped. Never "base + number of tenants".
import { createServer } from "node:net";
import type { Prisma, PrismaClient } from "../prisma/generated/client.ts";
import { OrchestratorError } from "./errors.ts";

export interface PortRange {
  first: number;
  last: number;
}

export interface PortAllocation {
  prisma: PrismaClient;
  tenantId: string;
  purpose: string;
  range: PortRange;
  /** Ports published by containers on the engine, ours or not. */
  publishedOnEngine: () => Promise<Set<number>>;
  /** Address the port will be published on; checked for a free bind. */
  bindAddress: string;
}

export class NoFreePortError extends OrchestratorError {
  override name = "NoFreePortError";
  constructor(range: PortRange) {
    super(
      `No free port left in ${range.first}-${range.last}. Widen the tenants' port range or destroy unused tenants.`,
      { transient: false, setting: "ports.range" },
    );
  }
}

/** The tenant's lease for `purpose`, taken now if it has none. */
export async function leasePort(allocation: PortAllocation): Promise<number> {
  const { prisma, tenantId, purpose, range } = allocation;
  const existing = await prisma.portLease.findUnique({ where: { tenantId_purpose: { tenantId, purpose } } });
  if (existing) return existing.port;

  const leased = new Set(
    (await prisma.portLease.findMany({ where: { port: { gte: range.first, lte: range.last } }, select: { port: true } })).map(
      (lease) => lease.port,
    ),
  );
  const published = await allocation.publishedOnEngine();
  for (let port = range.first; port <= range.last; port++) {
    if (leased.has(port) || published.has(port)) continue;
    if (!(await canBind(port, allocation.bindAddress))) continue;
    try {
      await prisma.portLease.create({ data: { port, tenantId, purpose } });
      return port;
    } catch (error) {
      if ((error as { code?: string }).code !== "P2002") throw error;
      // Either another tenant leased this port a moment ago (try the next), or another worker
      // leased one for this very tenant and purpose (use theirs).
      const mine = await prisma.portLease.findUnique({ where: { tenantId_purpose: { tenantId, purpose } } });
      if (mine) return mine.port;
    }
  }
  throw new NoFreePortError(range);
}

export async function releasePorts(prisma: PrismaClient | Prisma.TransactionClient, tenantId: string): Promise<void> {
  await prisma.portLease.deleteMany({ where: { tenantId } });
}

/** True when nothing on the host listens on address:port. */
export function canBind(port: number, address: string): Promise<boolean> {
  const host = address === "0.0.0.0" || address === "" ? undefined : address.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
