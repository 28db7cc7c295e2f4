// The console's engine page: whether the engine answers now, the reconciliation's last run, the
// tenants the reconciler did not see running (or flagged for an operator), and the strays it
// listed. Reads only: strays are removed by hand on the engine, never from here.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Orchestrator } from "../../orchestrator/index.ts";

export interface StrayView {
  id: string;
  kind: string;
  name: string;
  project: string | null;
  tenantLabel: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface EngineStatusView {
  /** null when the engine answers; its error otherwise. */
  error: string | null;
  lastRun: { finishedAt: string | null; startedAt: string | null; status: string; summary: string | null } | null;
  nextPeriodAt: string | null;
}

export interface AttentionView {
  id: string;
  slug: string;
  desiredState: string;
  actualState: string;
  observedState: string | null;
  observedAt: string | null;
  repairFailures: number;
  attentionReason: string | null;
}

export interface EnginePage {
  status: EngineStatusView;
  attention: AttentionView[];
  strays: StrayView[];
}

/** A run's summary as one short line ("tenants 3, running 3, strays 1"); never personal data. */
function summaryLine(summary: unknown): string | null {
  if (summary === null || typeof summary !== "object") return null;
  return Object.entries(summary as Record<string, unknown>)
    .filter(([, value]) => ["string", "number", "boolean"].includes(typeof value))
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
}

export async function enginePage(prisma: PrismaClient, orchestrator: Orchestrator): Promise<EnginePage> {
  const [error, tasks, attention, strays] = await Promise.all([
    orchestrator.ping().then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    ),
    orchestrator.listTasks(),
    prisma.tenant.findMany({
      where: {
        actualState: { not: "destroyed" },
        OR: [{ attentionReason: { not: null } }, { observedState: { in: ["missing", "stopped", "unreachable"] } }],
      },
      orderBy: [{ attentionReason: { sort: "asc", nulls: "last" } }, { slug: "asc" }],
      take: 200,
      select: {
        id: true,
        slug: true,
        desiredState: true,
        actualState: true,
        observedState: true,
        observedAt: true,
        repairFailures: true,
        attentionReason: true,
      },
    }),
    prisma.strayResource.findMany({ orderBy: [{ firstSeenAt: "asc" }, { kind: "asc" }, { name: "asc" }], take: 500 }),
  ]);
  const reconcile = tasks.find((task) => task.name === "reconcile");
  const run = reconcile?.lastRun ?? null;
  return {
    status: {
      error,
      lastRun: run
        ? {
            status: run.status,
            startedAt: run.startedAt.toISOString(),
            finishedAt: run.finishedAt?.toISOString() ?? null,
            summary: run.status === "failed" ? run.error : summaryLine(run.summary),
          }
        : null,
      nextPeriodAt: reconcile?.nextPeriodAt.toISOString() ?? null,
    },
    attention: attention.map((t) => ({ ...t, observedAt: t.observedAt?.toISOString() ?? null })),
    strays: strays.map((s) => ({ ...s, firstSeenAt: s.firstSeenAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString() })),
  };
}
