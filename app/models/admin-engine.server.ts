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
  lastRun: {
    finishedAt: string | null;
    startedAt: string | null;
    status: "running" | "succeeded" | "failed";
    /** Why it failed (the task's error), when it did. */
    error: string | null;
    summary: ReconcileSummaryView | null;
  } | null;
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

/** The counts a reconcile run stored (orchestrator/reconcile/reconcile-task.ts), for one sentence. */
export type ReconcileSummaryView =
  | { engine: "reachable"; tenants: number; running: number; repairs: number; flagged: number; strays: number }
  | { engine: "unreachable"; tenants: number };

function reconcileSummary(summary: unknown): ReconcileSummaryView | null {
  if (summary === null || typeof summary !== "object") return null;
  const s = summary as Record<string, unknown>;
  const n = (key: string) => (typeof s[key] === "number" ? s[key] : 0);
  if (s.engine === "unreachable") return { engine: "unreachable", tenants: n("unreachableTenants") };
  if (s.engine === "reachable") {
    return { engine: "reachable", tenants: n("tenants"), running: n("running"), repairs: n("repairsRequested"), flagged: n("flagged"), strays: n("strays") };
  }
  return null;
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
        // A suspended tenant is stopped and a pending one has nothing yet, as they should: only
        // tenants meant to run that did not, the flagged ones and an engine outage are listed.
        OR: [
          { attentionReason: { not: null } },
          { observedState: "unreachable" },
          { desiredState: "active", actualState: "active", observedState: { in: ["missing", "stopped"] } },
        ],
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
            error: run.error,
            summary: reconcileSummary(run.summary),
          }
        : null,
      nextPeriodAt: reconcile?.nextPeriodAt.toISOString() ?? null,
    },
    attention: attention.map((t) => ({ ...t, observedAt: t.observedAt?.toISOString() ?? null })),
    strays: strays.map((s) => ({ ...s, firstSeenAt: s.firstSeenAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString() })),
  };
}
