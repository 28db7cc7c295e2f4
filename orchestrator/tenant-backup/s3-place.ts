// Where a tenant backup file is (issue 13): in the backups folder, or, with the S3 bucket set,
// uploaded there and its local copy removed. A row does not record the place: the file is looked
// for in the folder first, then in the bucket, so a row stays readable when the bucket setting is
// added (older backups stay local) and a backup whose upload failed (its local file kept) is still
// found. The jobs and the verification go through these helpers, never to the folder directly.
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import { OrchestratorError } from "../errors.ts";
import type { S3BackupStore } from "./s3-destination.ts";

export interface BackupPlace {
  dir: string;
  s3?: S3BackupStore;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** True when the backup file is in the folder or the bucket. */
export async function backupExists(place: BackupPlace, fileName: string): Promise<boolean> {
  if (await isFile(path.join(place.dir, fileName))) return true;
  return place.s3 ? (await place.s3.size(fileName)) !== null : false;
}

/**
 * With the bucket set: uploads the freshly written local file, checks its size there, then removes
 * the local copy; returns where it is now. An upload failure is transient (the job retries), the
 * local file kept. Without the bucket: "local", nothing done.
 */
export async function moveToBucket(place: BackupPlace, fileName: string): Promise<string> {
  if (!place.s3) return "local";
  const file = path.join(place.dir, fileName);
  await place.s3.upload(file, fileName);
  await rm(file, { force: true });
  return place.s3.describe(fileName);
}

/** Runs `use` on the backup's file: the local one, or a temporary download from the bucket removed after. */
export async function withBackupFile<T>(place: BackupPlace, fileName: string, use: (file: string) => Promise<T>): Promise<T> {
  const local = path.join(place.dir, fileName);
  if (await isFile(local)) return use(local);
  if (!place.s3) {
    throw new OrchestratorError(`The backup file ${fileName} is not in the backups folder ${place.dir}, and no S3 bucket is set to look in. Set the bucket it was uploaded to, or choose another backup.`, {
      transient: false,
      setting: "backups.s3",
    });
  }
  return place.s3.withDownload(fileName, place.dir, use);
}

/** Deletes the backup wherever it is (retention); an already missing file or object is fine. */
export async function removeBackup(place: BackupPlace, fileName: string): Promise<void> {
  await rm(path.join(place.dir, fileName), { force: true });
  if (place.s3) await place.s3.remove(fileName);
}
