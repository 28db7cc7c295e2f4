// The usage task: every period (hourly by default) one UsageSample per active tenant, the sum of
// its running containers' CPU and memory and, when the driver can tell, the size of its volumes;
// samples older than the retention time are deleted. A sample is keyed by (tenant, period start),
// so a run taken over after a crash, or a second run of the same period, adds nothing. A tenant
// whose engine does not answer is skipped and named in the summary; the others are still sampled.
import type { SchedulerDeps } from "../scheduler/deps.ts";
import { everyMinutes } from "../scheduler/periods.ts";
import type { ScheduledTask, TaskContext, TaskSummary } from "../scheduler/task.ts";
import { projectName } from "../lifecycle/context.ts";

const DAY_MS = 86_400_000;

/** What the usage task needs: the database, the driver, and how often and how long to keep samples. */
export type UsageDeps = Pick<SchedulerDeps, "prisma" | "driver" | "logger" | "time">;

// Takes any SchedulerDeps (what the orchestrator passes); only these fields are read.
export function usageTask(deps: UsageDeps): ScheduledTask {
  return {
    name: "usage",
    description: "Samples each active tenant's CPU, memory and disk; keeps the samples for the retention time",
    period: everyMinutes(deps.time.usageIntervalMinutes),
    run: (context) => sampleUsage(deps, context),
  };
}

/** One pass: a sample per active tenant for `context.periodStart`, then old samples deleted. */
export async function sampleUsage(deps: UsageDeps, context: Pick<TaskContext, "asOf" | "periodStart" | "signal" | "logger">): Promise<TaskSummary> {
  const { prisma, driver } = deps;
  const at = context.periodStart;
  const tenants = await prisma.tenant.findMany({ where: { actualState: "active" }, select: { id: true, slug: true }, orderBy: { slug: "asc" } });
  const done = new Set(
    (await prisma.usageSample.findMany({ where: { at, tenantId: { in: tenants.map((t) => t.id) } }, select: { tenantId: true } })).map((s) => s.tenantId),
  );
  let sampled = 0;
  let alreadySampled = 0;
  const skipped: string[] = [];
  for (const tenant of tenants) {
    if (context.signal.aborted) break;
    if (done.has(tenant.id)) {
      alreadySampled++;
      continue;
    }
    if (!driver.usage) {
      skipped.push(tenant.slug);
      continue;
    }
    const project = projectName(tenant.slug);
    try {
      const containers = await driver.usage(project);
      const diskBytes = driver.diskUsage ? await driver.diskUsage(project) : null;
      const cpuPercent = containers.reduce((sum, c) => sum + c.cpuPercent, 0);
      const memoryBytes = containers.reduce((sum, c) => sum + c.memoryBytes, 0);
      // ON CONFLICT DO NOTHING: another runner of this period may have written it meanwhile.
      const { count } = await prisma.usageSample.createMany({
        data: [
          {
            tenantId: tenant.id,
            at,
            cpuPercent: Math.round(cpuPercent * 100) / 100,
            memoryBytes: BigInt(Math.round(memoryBytes)),
            diskBytes: diskBytes === null ? null : BigInt(Math.round(diskBytes)),
          },
        ],
        skipDuplicates: true,
      });
      if (count === 1) sampled++;
      else alreadySampled++;
    } catch (error) {
      // One tenant's engine not answering (or its stats failing) never fails the whole run.
      skipped.push(tenant.slug);
      context.logger.warn("usage: could not sample a tenant; skipped for this period", {
        tenant: tenant.slug,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const cutoff = new Date(context.asOf.getTime() - deps.time.usageRetentionDays * DAY_MS);
  const { count: deleted } = await prisma.usageSample.deleteMany({ where: { at: { lt: cutoff } } });
  const summary: TaskSummary = { tenants: tenants.length, sampled, alreadySampled, skipped: skipped.length, deleted };
  if (!driver.usage && tenants.length > 0) summary.note = "this driver cannot read usage";
  if (skipped.length > 0) summary.skippedTenants = skipped.slice(0, 20).join(", ") + (skipped.length > 20 ? ", …" : "");
  return summary;
}
