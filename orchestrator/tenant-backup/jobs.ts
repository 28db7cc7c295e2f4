// The backup and restore jobs (issue 13), as steps of the job engine (orchestrator/jobs/):
//
// backup: the tenant must be active; one backup (take-backup.ts) with the reason the request gave.
//
// restore (in place, or into a copy: a new tenant of the same customer provisioned first):
//   verify        the whole file read once (checksums, key, GCM tag, gzip) before anything changes:
//                 a wrong key or a damaged file fails the job here, the database untouched
//   pre-restore   a backup of the database as it is now (not for a fresh copy)
//   route         with Caddy, the suspended page at the tenant's address meanwhile
//   load          the template's restore command (demo: psql drops and recreates the app's database,
//                 closing the app's connections; the app container keeps running and reconnects)
//                 with the backup's plain text streamed in
//   health        the template's readiness checks; then the route back to the app
//   record        the rows counted again and compared with those recorded at backup time, audited
// A restore that fails for good after the pre-restore backup puts that backup back (compensate).
import { writeAudit } from "../audit/audit-log.ts";
import { discard } from "../engine-api/exec-stream.ts";
import { OrchestratorError } from "../errors.ts";
import type { JobContext, JobDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { auditActor, healthStep, markFailed } from "../lifecycle/job-records.ts";
import { tenantStack } from "../lifecycle/tenant-stack.ts";
import { routeSteps } from "../lifecycle/tenant-route.ts";
import type { DumpPlan } from "../templates/dump.ts";
import { openBackupFile, verifyBackupFile } from "./format.ts";
import { jobParameters } from "./parameters.ts";
import { backupSettings, BACKUP_REASONS, countRows, recordBackupFailure, takeBackup, type BackupReason } from "./take-backup.ts";
import { withBackupFile } from "./s3-place.ts";

function assertActive(context: JobContext, what: string): void {
  if (context.tenant.actualState !== "active") {
    throw new OrchestratorError(
      `Tenant ${context.tenant.slug} is ${context.tenant.actualState}, not active: ${what} needs its database running. Resume it (or finish its provisioning) first.`,
      { transient: false },
    );
  }
}

async function clearProgress(context: JobContext): Promise<void> {
  await context.withLease((tx) => tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } }));
}

export function backupJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "backup",
        async run(context) {
          const parameters = await jobParameters(deps.prisma, context.job.id);
          const reason = BACKUP_REASONS.find((known) => known === parameters["reason"]) ?? "manual";
          // A scheduled backup queued just before the tenant was suspended or removed has nothing
          // to do: the next period's pass asks again if it is active then (schedule.ts). Not a failure.
          if (reason === "scheduled" && context.tenant.actualState !== "active") {
            deps.logger.info("scheduled backup skipped: the tenant is no longer active", { tenant: context.tenant.slug, state: context.tenant.actualState });
            return;
          }
          assertActive(context, "a backup");
          await context.progress("Taking a backup of the database");
          await takeBackup(deps, context, reason);
          await clearProgress(context);
        },
      },
    ],
    markFailed: (context, reason) =>
      markFailed(context, "tenant.backup_failed", reason, "keep", (tx) => recordBackupFailure(tx, context, reason, deps.clock.now())),
  };
}

interface ChosenBackup {
  id: string;
  fileName: string;
  sha256: string;
  rowCounts: Record<string, number> | null;
}

/** The backup the restore job was asked for, checked to be a finished one. */
async function chosenBackup(deps: LifecycleDeps, context: JobContext): Promise<ChosenBackup> {
  const parameters = await jobParameters(deps.prisma, context.job.id);
  const backupId = typeof parameters["backupId"] === "string" ? parameters["backupId"] : "";
  const row = backupId ? await deps.prisma.tenantBackup.findUnique({ where: { id: backupId } }) : null;
  if (!row || row.status !== "succeeded" || !row.fileName || !row.sha256) {
    throw new OrchestratorError(`Backup ${backupId || "(none)"} is not a finished backup; list the tenant's backups and choose another.`, { transient: false });
  }
  return { id: row.id, fileName: row.fileName, sha256: row.sha256, rowCounts: (row.rowCounts as Record<string, number> | null) ?? null };
}

async function isCopy(deps: LifecycleDeps, context: JobContext): Promise<boolean> {
  return (await jobParameters(deps.prisma, context.job.id))["copy"] === true;
}

function restorePlan(deps: LifecycleDeps, plan: DumpPlan | null): DumpPlan {
  if (!plan) {
    throw new OrchestratorError(`Template ${deps.template.manifest.id} has no restore section: its tenants' backups cannot be restored. Add one to its manifest.json.`, {
      transient: false,
    });
  }
  return plan;
}

/** Streams the backup's plain text into the template's restore command; throws if it does not load. */
export async function loadBackup(deps: LifecycleDeps, context: JobContext, backup: { fileName: string; sha256: string }): Promise<void> {
  const rendered = await tenantStack(deps, context);
  const plan = restorePlan(deps, rendered.restore);
  // The local file, or a temporary download from the bucket (removed after).
  await withBackupFile(backupSettings(deps), backup.fileName, (file) => loadFile(deps, rendered.stack.project, plan, file, backup.sha256));
}

async function loadFile(deps: LifecycleDeps, project: string, plan: DumpPlan, file: string, sha256: string): Promise<void> {
  const plain = await openBackupFile(file, backupSettings(deps).key(), sha256);
  const run = await deps.driver.execStream(project, plan.service, {
    command: plan.command,
    ...(plan.user ? { user: plan.user } : {}),
    stdin: plain,
  });
  await discard(run.stdout).catch(() => undefined);
  const outcome = await run.done;
  if (outcome.exitCode !== 0) {
    throw new OrchestratorError(
      `The backup did not load (${plan.command[0] ?? "restore"} in ${plan.service} exited with code ${outcome.exitCode}: ${outcome.stderr.trim().slice(-500)}).`,
      { transient: false },
    );
  }
}

export function restoreJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "verify",
        async run(context) {
          assertActive(context, "a restore");
          restorePlan(deps, (await tenantStack(deps, context)).restore);
          const backup = await chosenBackup(deps, context);
          await context.progress("Checking the backup file");
          const settings = backupSettings(deps);
          await withBackupFile(settings, backup.fileName, (file) => verifyBackupFile(file, settings.key(), backup.sha256));
        },
      },
      {
        name: "pre-restore-backup",
        async run(context) {
          if (await isCopy(deps, context)) return;
          await context.progress("Taking a backup of the database as it is now");
          await takeBackup(deps, context, "pre-restore");
        },
      },
      ...routeSteps(deps, "suspended"),
      {
        name: "load",
        async run(context) {
          await context.progress("Loading the backup into the database");
          await loadBackup(deps, context, await chosenBackup(deps, context));
        },
      },
      healthStep(deps),
      ...routeSteps(deps, "app"),
      {
        name: "record",
        async run(context) {
          const backup = await chosenBackup(deps, context);
          const rendered = await tenantStack(deps, context);
          const counts = rendered.rowCounts ? await countRows(deps, rendered.stack.project, rendered.rowCounts) : null;
          const differing = backup.rowCounts && counts ? Object.keys(backup.rowCounts).filter((table) => counts[table] !== backup.rowCounts![table]) : [];
          if (differing.length > 0) deps.logger.warn("restored row counts differ from the backup's", { tenant: context.tenant.slug, tables: differing.join(", ") });
          const preRestore = await deps.prisma.tenantBackup.findUnique({ where: { jobId: context.job.id }, select: { id: true } });
          await context.withLease(async (tx) => {
            await tx.tenant.update({ where: { id: context.tenant.id }, data: { progress: null } });
            await writeAudit(tx, {
              ...auditActor(context),
              action: "tenant.restored",
              tenantId: context.tenant.id,
              outcome: "succeeded",
              details: {
                backupId: backup.id,
                preRestoreBackupId: preRestore?.id ?? null,
                rowCountsMatch: counts === null || backup.rowCounts === null ? null : differing.length === 0,
                differingTables: differing.join(", ") || null,
              },
            });
          });
        },
      },
    ],
    async compensate(context) {
      // The database as it was before the restore, when the job got as far as backing it up.
      const preRestore = await deps.prisma.tenantBackup.findUnique({ where: { jobId: context.job.id } });
      if (preRestore?.status !== "succeeded" || !preRestore.fileName || !preRestore.sha256) return;
      await context.progress("The restore failed: putting the database back as it was");
      await loadBackup(deps, context, { fileName: preRestore.fileName, sha256: preRestore.sha256 });
      for (const step of [healthStep(deps), ...routeSteps(deps, "app")]) await step.run(context);
    },
    markFailed: (context, reason) =>
      markFailed(context, "tenant.restore_failed", reason, "keep", (tx) => recordBackupFailure(tx, context, reason, deps.clock.now())),
  };
}

export type { BackupReason };
