// The portal's own database, backed up and restored (docs/decisions/0013): what orchestrator/index.ts
// exports of it.
export { writePortalBackup, backupFileName, type PortalBackupReport } from "./backup.ts";
export { restorePortalBackup, RestoreRefused, type RestoreReport } from "./restore.ts";
export { BackupFileError } from "./format.ts";
export { listPortalBackups, type BackupListing } from "./list.ts";
export { backUpPortalDatabase, portalBackupTask, type PortalBackupSettings } from "./portal-backup-task.ts";
