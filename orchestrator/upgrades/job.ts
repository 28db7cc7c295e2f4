// The upgrade job (issue 13): one tenant to a new app image, with a way back.
//
//   prepare             the tenant active, the template's app image a variable; the image it runs
//                       now kept on its run row (fromImage), once, so a re-run knows the way back
//   route:suspended     with Caddy, the suspended page at the tenant's address meanwhile
//   pre-upgrade-backup  a backup of the database (reason pre-upgrade, the backup job's own code)
//   replace             the stack's containers removed (its data volume kept) and deployed again
//                       from the tenant's stack rendered with the new image: both drivers, no new
//                       driver method (the database restarts too, on the same volume)
//   health              the template's readiness checks, each within the upgrade health timeout
//                       (or its own timeout when shorter)
//   route:app, record   the route back; Tenant.appImage set, audited (tenant.upgraded), the run
//                       told (runs.ts advances to the next batch)
//
// On failure for good (compensate): once the replace step has started, the containers are removed
// again and the previous image deployed, then (once the database's own readiness checks pass) the
// pre-upgrade backup is loaded whenever the new image had been started against the database. We do not try to detect whether the new version migrated
// it: a migration may change columns or data without changing tables or row counts, and the
// suspended page kept customers away meanwhile, so loading the backup loses nothing they wrote
// (without Caddy, a write in the seconds between the backup and the replacement would be lost).
// Then the health checks and the route back: the tenant ends active on its previous image with
// its data (tenant.upgrade_rolled_back). If the way back fails too, the tenant is marked failed
// (tenant.upgrade_failed) for an operator, the pre-upgrade backup kept.
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { isEngineUnreachable, OrchestratorError } from "../errors.ts";
import type { JobContext, JobDefinition, StepDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { auditActor, markFailed } from "../lifecycle/job-records.ts";
import { waitUntilReady } from "../lifecycle/readiness-wait.ts";
import { routeSteps } from "../lifecycle/tenant-route.ts";
import { tenantStack } from "../lifecycle/tenant-stack.ts";
import { loadBackup } from "../tenant-backup/jobs.ts";
import { jobParameters } from "../tenant-backup/parameters.ts";
import { backupSettings, takeBackup } from "../tenant-backup/take-backup.ts";
import { renderedAppImage, requireAppImageVariable } from "./app-image.ts";
import { advanceRun } from "./runs.ts";

interface UpgradeParameters {
  image: string;
  runId: string;
  healthTimeoutMs: number;
}

async function upgradeParameters(deps: LifecycleDeps, context: JobContext): Promise<UpgradeParameters> {
  const parameters = await jobParameters(deps.prisma, context.job.id);
  const image = parameters["image"];
  const runId = parameters["runId"];
  const seconds = parameters["healthTimeoutSeconds"];
  if (typeof image !== "string" || typeof runId !== "string") {
    throw new OrchestratorError("This upgrade job has no target image or run; ask for the upgrade again (npm run tenant -- upgrade).", { transient: false });
  }
  return { image, runId, healthTimeoutMs: (typeof seconds === "number" && seconds > 0 ? seconds : 120) * 1000 };
}

/** The tenant's row of its upgrade run (this job's). */
async function runItem(deps: LifecycleDeps, context: JobContext) {
  return deps.prisma.upgradeRunTenant.findUnique({ where: { jobId: context.job.id } });
}

async function previousImage(deps: LifecycleDeps, context: JobContext): Promise<string> {
  const item = await runItem(deps, context);
  if (!item?.fromImage) throw new OrchestratorError("The image the tenant ran before this upgrade was not recorded; the upgrade cannot go on.", { transient: false });
  return item.fromImage;
}

/** Removes the stack's containers (the data volume stays) and deploys it with `image`. */
async function deployWithImage(deps: LifecycleDeps, context: JobContext, image: string, signal: AbortSignal): Promise<void> {
  const { stack } = await tenantStack(deps, context, image);
  await deps.driver.remove(stack.project, { removeVolumes: false });
  await deps.driver.deploy(stack, { signal });
}

/**
 * The template's readiness checks on the stack rendered with `image`, each within `limitMs` at most;
 * with `databaseOnly`, only the database service's (before a backup is loaded: the previous app may
 * not come up healthy on a database the new version migrated).
 */
async function checkHealth(deps: LifecycleDeps, context: JobContext, image: string, limitMs: number, databaseOnly = false): Promise<void> {
  const rendered = await tenantStack(deps, context, image);
  const checks = databaseOnly ? rendered.readiness.filter((check) => check.service === deps.template.manifest.roles.database) : rendered.readiness;
  for (const check of checks) {
    await context.progress(check.description);
    await waitUntilReady(deps, context, rendered.stack.project, { ...check, timeoutMs: Math.min(check.timeoutMs, limitMs) });
  }
}

async function replaceStarted(deps: LifecycleDeps, context: JobContext): Promise<boolean> {
  const step = await deps.prisma.jobStep.findUnique({ where: { jobId_name: { jobId: context.job.id, name: "replace" } } });
  return step?.startedAt != null;
}

export function upgradeJob(deps: LifecycleDeps): JobDefinition {
  const steps: StepDefinition[] = [
    {
      name: "prepare",
      async run(context) {
        if (context.tenant.actualState !== "active") {
          throw new OrchestratorError(`Tenant ${context.tenant.slug} is ${context.tenant.actualState}, not active: only an active tenant is upgraded. Resume it first.`, {
            transient: false,
          });
        }
        requireAppImageVariable(deps.template);
        backupSettings(deps);
        const { image } = await upgradeParameters(deps, context);
        const item = await runItem(deps, context);
        if (!item) throw new OrchestratorError("This upgrade job belongs to no upgrade run; ask for the upgrade again.", { transient: false });
        if (item.fromImage) return;
        const current = renderedAppImage(deps.template, (await tenantStack(deps, context)).stack.services);
        await context.withLease(async (tx) => {
          await tx.upgradeRunTenant.update({ where: { id: item.id }, data: { fromImage: current } });
          await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: `Upgrading to ${image}` } });
        });
      },
    },
    ...routeSteps(deps, "suspended"),
    {
      name: "pre-upgrade-backup",
      async run(context) {
        await context.progress("Taking a backup of the database before the upgrade");
        await takeBackup(deps, context, "pre-upgrade");
      },
    },
    {
      name: "replace",
      async run(context) {
        const { image } = await upgradeParameters(deps, context);
        await context.progress(`Replacing the app with ${image}`);
        await deployWithImage(deps, context, image, context.signal);
      },
    },
    {
      name: "health",
      async run(context) {
        const { image, healthTimeoutMs } = await upgradeParameters(deps, context);
        await checkHealth(deps, context, image, healthTimeoutMs);
      },
    },
    ...routeSteps(deps, "app"),
    {
      name: "record",
      async run(context) {
        const { image, runId } = await upgradeParameters(deps, context);
        const from = await previousImage(deps, context);
        const now = deps.clock.now();
        await context.withLease(async (tx) => {
          await tx.tenant.update({ where: { id: context.tenant.id }, data: { appImage: image, progress: null } });
          await writeAudit(tx, { ...auditActor(context), action: "tenant.upgraded", tenantId: context.tenant.id, outcome: "succeeded", details: { from, to: image, runId } });
          await tx.upgradeRunTenant.update({ where: { jobId: context.job.id }, data: { status: "succeeded", finishedAt: now } });
          await advanceRun(tx, runId, now);
        });
      },
    },
  ];
  return {
    steps,
    async compensate(context) {
      const item = await runItem(deps, context);
      if (!item?.fromImage) return;
      const previous = item.fromImage;
      let restoredBackupId: string | null = null;
      if (await replaceStarted(deps, context)) {
        await context.progress(`The upgrade failed: putting back ${previous}`);
        await deployWithImage(deps, context, previous, context.signal);
        const backup = await deps.prisma.tenantBackup.findUnique({ where: { jobId: context.job.id } });
        if (backup?.status === "succeeded" && backup.fileName && backup.sha256) {
          await context.progress("The upgrade failed: loading the pre-upgrade backup");
          // The database must answer before it is loaded (the stack was just deployed again), and the
          // previous app should have finished starting (its own migrations) so that it does not
          // write into the database while the backup loads; an app that cannot come up healthy on
          // the migrated database is not waited for past the upgrade's health bound.
          await checkHealth(deps, context, previous, Number.POSITIVE_INFINITY, true);
          const { healthTimeoutMs } = await upgradeParameters(deps, context);
          await checkHealth(deps, context, previous, healthTimeoutMs).catch((error: unknown) => {
            if (isEngineUnreachable(error)) throw error;
            deps.logger.warn("the previous app is not healthy before the backup is loaded; loading it anyway", { tenant: context.tenant.slug });
          });
          await loadBackup(deps, context, { fileName: backup.fileName, sha256: backup.sha256 });
          restoredBackupId = backup.id;
        }
        await checkHealth(deps, context, previous, Number.POSITIVE_INFINITY);
      }
      for (const step of routeSteps(deps, "app")) await step.run(context);
      await context.withLease((tx) =>
        tx.upgradeRunTenant.update({ where: { id: item.id }, data: { status: "rolled_back", error: restoredBackupId ? `restored backup ${restoredBackupId}` : null } }),
      );
    },
    markFailed: (context, reason) => markFailedAndAdvance(deps, context, reason),
  };
}

/** The failure recorded: rolled back (active on the previous image) or failed for an operator; the run told. */
async function markFailedAndAdvance(deps: LifecycleDeps, context: JobContext, reason: string): Promise<void> {
  const item = await runItem(deps, context);
  const rolledBack = item?.status === "rolled_back";
  const now = deps.clock.now();
  const recordOnRun = async (tx: Prisma.TransactionClient) => {
    if (!item) return;
    await tx.upgradeRunTenant.update({
      where: { id: item.id },
      data: { status: rolledBack ? "rolled_back" : "failed", error: `${reason}${rolledBack && item.error ? ` (${item.error})` : ""}`.slice(0, 2000), finishedAt: now },
    });
    await advanceRun(tx, item.runId, now);
  };
  if (rolledBack) {
    await context.withLease(async (tx) => {
      await recordOnRun(tx);
      await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } });
      await writeAudit(tx, {
        ...auditActor(context),
        action: "tenant.upgrade_rolled_back",
        tenantId: context.tenant.id,
        outcome: "failed",
        details: { from: item.fromImage, runId: item.runId, restored: item.error, reason: reason.slice(0, 2000) },
      });
    });
    return;
  }
  // Nothing changed when the job failed before its replace step: the tenant stays as it was.
  const untouched = !item?.fromImage || !(await replaceStarted(deps, context));
  await markFailed(context, "tenant.upgrade_failed", reason, untouched ? "keep" : "failed", recordOnRun);
}
