// The one writer of job rows. A lifecycle job is asked for with the audit entry that records who
// asked (its outcome is recorded by the job when it ends), both written with the caller's database
// handle: inside the caller's transaction they commit or roll back with the change that motivated
// them (a signup's tenant, an admin's desired state). The worker claims the job once it commits.
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit, type AuditEntry, type DatabaseWriter } from "../audit/audit-log.ts";

export type LifecycleAction =
  | "suspend"
  | "resume"
  | "restart"
  | "destroy"
  | "provision"
  | "resend_credentials"
  | "terminate"
  | "reconcile"
  | "backup"
  | "restore"
  | "upgrade"
  | "change_plan";

export interface JobRequest {
  tenantId: string;
  kind: LifecycleAction;
  /** Who asked ("signup", an admin's email…): the job's own audit entries name them. */
  requestedBy: string;
  /** What the job needs beyond its kind (a backup's reason, the backup a restore loads); never a secret. */
  parameters?: Prisma.InputJsonValue;
  /** When jobs of one tenant are asked for in one transaction: their order (the queue's order is createdAt). */
  createdAt?: Date;
  /** The entry recording the request, about this tenant; the job's id is added to its details. */
  audit: Omit<AuditEntry, "tenantId">;
}

/** Queues the job and writes its audit entry; returns the job's id. */
export async function requestJob(db: DatabaseWriter, request: JobRequest): Promise<string> {
  const job = await db.provisioningJob.create({
    data: {
      tenantId: request.tenantId,
      kind: request.kind,
      requestedBy: request.requestedBy,
      ...(request.parameters !== undefined ? { parameters: request.parameters } : {}),
      ...(request.createdAt ? { createdAt: request.createdAt } : {}),
    },
    select: { id: true },
  });
  await writeAudit(db, { ...request.audit, tenantId: request.tenantId, details: { ...request.audit.details, jobId: job.id } });
  return job.id;
}
