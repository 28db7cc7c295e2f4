// A verified restore of one tenant backup (issue 13): the proof that the backup can be restored,
// made without touching the tenant. In order:
//   file     the whole file read once (checksums, key, GCM tag, gzip: format.ts)
//   stack    a temporary stack, the template's database service alone (verify-stack.ts), deployed
//            and waited for (the template's first exec readiness check on that service)
//   load     the template's restore command with the backup's plain text streamed in: exit 0
//   tables   the template's rowCounts command: every table recorded at backup time is there with
//            the very same row count
// and the temporary stack removed with its volume in every case. A problem of the backup (a
// damaged file, a dump that does not load, tables or rows missing) is the outcome "failed" with
// its reason; a problem of the place it is checked in (the engine does not answer, the temporary
// database does not start) is thrown, so the task fails and is retried, and the backup is not
// blamed.
import { withBackupFile } from "./s3-place.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";
import { discard } from "../engine-api/exec-stream.ts";
import { isEngineUnreachable, OrchestratorError } from "../errors.ts";
import { openBackupFile, TenantBackupFileError, verifyBackupFile } from "./format.ts";
import { backupSettings, countRows } from "./take-backup.ts";
import { renderVerifyStack } from "./verify-stack.ts";
import type { ExecReadinessCheck } from "../templates/readiness.ts";

export interface BackupToVerify {
  id: string;
  tenantId: string;
  fileName: string | null;
  sha256: string | null;
  rowCounts: Record<string, number> | null;
}

export type VerifyOutcome = { ok: true; tables: number; rows: number } | { ok: false; error: string };

export async function verifyBackupRestore(deps: LifecycleDeps, backup: BackupToVerify, signal?: AbortSignal): Promise<VerifyOutcome> {
  const settings = backupSettings(deps);
  const { fileName, sha256 } = backup;
  if (!fileName || !sha256) return { ok: false, error: "The backup has no file recorded." };
  // The local file, or a temporary download from the bucket (removed after).
  return withBackupFile(settings, fileName, (file) => verifyFile(deps, { ...backup, sha256 }, file, signal));
}

async function verifyFile(deps: LifecycleDeps, backup: BackupToVerify & { sha256: string }, file: string, signal?: AbortSignal): Promise<VerifyOutcome> {
  const settings = backupSettings(deps);
  try {
    await verifyBackupFile(file, settings.key(), backup.sha256);
  } catch (error) {
    if (error instanceof TenantBackupFileError) return { ok: false, error: error.message };
    throw error;
  }
  const temporary = renderVerifyStack(deps.template, deps.templateValues, backup.tenantId, backup.id);
  if (!temporary.restore) {
    throw new OrchestratorError(`Template ${deps.template.manifest.id} has no restore section: its tenants' backups cannot be verified. Add one to its manifest.json.`, {
      transient: false,
    });
  }
  const project = temporary.stack.project;
  // A stack left by a run that crashed is removed first: this run starts from nothing.
  await deps.driver.remove(project, { removeVolumes: true });
  try {
    await deps.driver.deploy(temporary.stack, signal ? { signal } : {});
    if (temporary.ready) await untilReady(deps, project, temporary.ready, signal);
    const plain = await openBackupFile(file, settings.key(), backup.sha256);
    const run = await deps.driver.execStream(project, temporary.restore.service, {
      command: temporary.restore.command,
      ...(temporary.restore.user ? { user: temporary.restore.user } : {}),
      stdin: plain,
    });
    await discard(run.stdout).catch(() => undefined);
    const loaded = await run.done;
    if (loaded.exitCode !== 0) {
      return { ok: false, error: `The dump did not load (${temporary.restore.command[0] ?? "restore"} exited with code ${loaded.exitCode}: ${loaded.stderr.trim().slice(-500)}).` };
    }
    if (!temporary.rowCounts || !backup.rowCounts) return { ok: true, tables: 0, rows: 0 };
    const counts = await countRows(deps, project, temporary.rowCounts);
    const missing = Object.keys(backup.rowCounts).filter((table) => counts[table] === undefined);
    if (missing.length > 0) return { ok: false, error: `The restored database lacks table(s) ${missing.join(", ")} recorded at backup time.` };
    const differing = Object.entries(backup.rowCounts).filter(([table, count]) => counts[table] !== count);
    if (differing.length > 0) {
      return { ok: false, error: `Row counts differ from those recorded at backup time: ${differing.map(([table, count]) => `${table} ${counts[table]} instead of ${count}`).join(", ")}.` };
    }
    return { ok: true, tables: Object.keys(backup.rowCounts).length, rows: Object.values(backup.rowCounts).reduce((sum, count) => sum + count, 0) };
  } finally {
    await deps.driver.remove(project, { removeVolumes: true }).catch((error: unknown) =>
      deps.logger.error("the temporary stack of a backup verification could not be removed; remove it by hand", { project, error }),
    );
  }
}

/** Polls the readiness check until it passes; throws (an environment problem) at its timeout. */
async function untilReady(deps: LifecycleDeps, project: string, check: ExecReadinessCheck, signal?: AbortSignal): Promise<void> {
  const deadline = deps.clock.now().getTime() + check.timeoutMs;
  let lastSeen = "not tried yet";
  for (;;) {
    signal?.throwIfAborted();
    try {
      const result = await deps.driver.exec(project, check.service, { command: check.command, ...(check.user ? { user: check.user } : {}) });
      const stdout = result.stdout.trim();
      if (result.exitCode === check.expect.exitCode && (check.expect.stdoutTrimmed === undefined || stdout === check.expect.stdoutTrimmed)) return;
      lastSeen = `exit code ${result.exitCode}`;
    } catch (error) {
      if (isEngineUnreachable(error)) throw error;
      lastSeen = error instanceof Error ? error.message : String(error);
    }
    if (deps.clock.now().getTime() >= deadline) break;
    await deps.clock.sleep(check.intervalMs, signal);
  }
  throw new OrchestratorError(`The temporary database of a backup verification (${project}) was not ready after ${Math.round(check.timeoutMs / 1000)} s (${check.id}: ${lastSeen}); check the engine and try again.`, {
    transient: true,
  });
}
