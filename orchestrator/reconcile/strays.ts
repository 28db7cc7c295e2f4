// The list of strays (StrayResource): resources with our labels that belong to no live tenant, as
// the last reconciliation saw them. A stray seen again keeps its firstSeenAt and gets lastSeenAt =
// this pass's time; a row for something no longer on the engine is deleted. Only the list changes:
// nothing on the engine is ever removed here (an operator decides, see the console's engine page).
import type { EngineResource } from "../driver.ts";
import type { SchedulerDeps } from "../scheduler/deps.ts";

export async function recordStrays(deps: SchedulerDeps, strays: readonly EngineResource[], asOf: Date): Promise<{ strays: number; newStrays: number }> {
  return deps.prisma.$transaction(async (tx) => {
    const existing = await tx.strayResource.findMany({ select: { id: true, kind: true, name: true } });
    const key = (r: { kind: string; name: string }) => `${r.kind}\u0000${r.name}`;
    const seen = new Set(strays.map(key));
    const known = new Set(existing.map(key));
    await tx.strayResource.deleteMany({ where: { id: { in: existing.filter((r) => !seen.has(key(r))).map((r) => r.id) } } });
    // New ones (skipDuplicates: a reconciler running at the same time may insert the same row
    // first), then every one seen is brought up to date; firstSeenAt is never rewritten.
    await tx.strayResource.createMany({
      data: strays.map((s) => ({ kind: s.kind, name: s.name, project: s.project, tenantLabel: s.tenantId, firstSeenAt: asOf, lastSeenAt: asOf })),
      skipDuplicates: true,
    });
    for (const stray of strays) {
      await tx.strayResource.updateMany({
        where: { kind: stray.kind, name: stray.name },
        data: { project: stray.project, tenantLabel: stray.tenantId, lastSeenAt: asOf },
      });
    }
    return { strays: strays.length, newStrays: strays.filter((s) => !known.has(key(s))).length };
  });
}
