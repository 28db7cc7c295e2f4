// Tenant backups (issue 13), what the rest of Tenantry uses: asking for backups and restores,
// listing them, the backup key. The jobs themselves are in jobs.ts (registered by
// lifecycle/definitions.ts); the file format in format.ts.
import type { SecretBox } from "../secrets.ts";

export { requestTenantBackup, requestTenantRestore, listTenantBackups, waitForJob, tenantBackupService, TenantBackupRequestError } from "./requests.ts";
export type { BackupRequester, TenantBackupSummary, RestoreRequest, JobOutcome, TenantBackupService } from "./requests.ts";
export { BACKUP_REASONS, type BackupReason, type TenantBackupSettings } from "./take-backup.ts";
export { verifyBackupFile, TenantBackupFileError } from "./format.ts";
export { DEFAULT_BACKUP_SCHEDULE, type BackupSchedule, type BackupScheduleSettings } from "./schedule-settings.ts";
export { tenantBackupsTask, queueScheduledBackups } from "./schedule.ts";
export { backupRetentionTask, applyBackupRetention, alertStaleBackups } from "./retention-task.ts";
export { backupVerificationTask } from "./verify-task.ts";

/** The key backups are sealed with: a separate backup key if given, else the secrets key (following a rotation). */
export function tenantBackupKey(separate: Buffer | undefined, secretBox: SecretBox): () => Buffer {
  return separate ? () => separate : () => secretBox.currentKey();
}
