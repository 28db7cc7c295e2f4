// A tenant's backups as the console's tenant page shows and asks for them (issue 13): the Backups
// card's data, and its forms (take a backup, restore in place, restore into a new tenant) checked
// here first so that every refusal has its sentence in both languages (app/i18n/tenant-backups.ts);
// the jobs, their audit entries and the rules are the orchestrator's (orchestrator/tenant-backup/).
import { z } from "zod";
import { OrchestratorError } from "../../orchestrator/index.ts";
import type { TenantBackupMessageKey } from "~/i18n/tenant-backups";
import type { AppServices } from "~/services.server";

export interface TenantBackupView {
  id: string;
  createdAt: string;
  reason: string;
  status: string;
  sizeBytes: number | null;
  rows: number | null;
  error: string | null;
  /** The backup's verified restore (scheduled): passed or failed, when, why. */
  verification: { status: "passed" | "failed"; at: string; error: string | null } | null;
}

export interface TenantBackupCard {
  slug: string;
  active: boolean;
  /** A backup or restore job of this tenant is queued or running. */
  busy: boolean;
  backups: TenantBackupView[];
}

export type BackupFormOutcome = { ok: boolean; key: TenantBackupMessageKey; values: Record<string, string | number> };

type Services = Pick<AppServices, "prisma" | "orchestrator">;

export async function tenantBackupCard(services: Services, tenantId: string): Promise<TenantBackupCard | null> {
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { slug: true, actualState: true } });
  if (!tenant) return null;
  const [backups, pending] = await Promise.all([
    services.orchestrator.tenantBackups.list(tenant.slug),
    services.prisma.provisioningJob.count({ where: { tenantId, kind: { in: ["backup", "restore"] }, status: { in: ["queued", "running"] } } }),
  ]);
  return {
    slug: tenant.slug,
    active: tenant.actualState === "active",
    busy: pending > 0,
    backups: backups.map((b) => ({
      id: b.id,
      createdAt: b.createdAt.toISOString(),
      reason: b.reason,
      status: b.status,
      sizeBytes: b.sizeBytes,
      rows: b.rowCounts ? Object.values(b.rowCounts).reduce((sum, n) => sum + n, 0) : null,
      error: b.error,
      verification: b.verification,
    })),
  };
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;

const backupForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("backup") }),
  z.object({ intent: z.literal("restore"), backupId: z.string().uuid(), confirm: z.literal("yes").optional() }),
  z.object({ intent: z.literal("restore-into"), backupId: z.string().uuid(), into: z.string().trim().toLowerCase() }),
]);

/** Handles one of the card's forms for an admin (operator or owner: the route checks). */
export async function applyBackupForm(services: Services, tenantId: string, values: Record<string, string>, adminEmail: string): Promise<BackupFormOutcome> {
  const parsed = backupForm.safeParse(values);
  if (!parsed.success) return { ok: false, key: "backups.refused.form", values: {} };
  const form = parsed.data;
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { slug: true, actualState: true } });
  if (!tenant) return { ok: false, key: "backups.refused.missing", values: {} };
  const by = { requestedBy: adminEmail, actorType: "admin" as const };
  if (form.intent !== "restore-into" && tenant.actualState !== "active") return { ok: false, key: "backups.refused.inactive", values: { state: tenant.actualState } };
  if (form.intent === "restore" && form.confirm !== "yes") return { ok: false, key: "backups.refused.confirm", values: {} };
  let at = "";
  if (form.intent !== "backup") {
    const backup = await services.prisma.tenantBackup.findUnique({ where: { id: form.backupId }, select: { tenantId: true, status: true, createdAt: true } });
    if (!backup || backup.tenantId !== tenantId || backup.status !== "succeeded") return { ok: false, key: "backups.refused.backup", values: {} };
    at = `${backup.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }
  if (form.intent === "restore-into" && (!SLUG.test(form.into) || (await services.prisma.tenant.count({ where: { slug: form.into } })) > 0)) {
    return { ok: false, key: "backups.refused.slug", values: { slug: form.into } };
  }
  try {
    if (form.intent === "backup") {
      const { jobId } = await services.orchestrator.tenantBackups.backup(tenant.slug, by);
      return { ok: true, key: "backups.queued.backup", values: { jobId } };
    }
    if (form.intent === "restore") {
      const { jobId } = await services.orchestrator.tenantBackups.restore({ slug: tenant.slug, backupId: form.backupId }, by);
      return { ok: true, key: "backups.queued.restore", values: { jobId, at } };
    }
    const copy = await services.orchestrator.tenantBackups.restore({ slug: tenant.slug, backupId: form.backupId, into: form.into }, by);
    return { ok: true, key: "backups.queued.into", values: { jobId: copy.jobId, slug: copy.slug, at } };
  } catch (error) {
    // A refusal decided between the checks above and the request (another admin's change).
    if (error instanceof OrchestratorError && !error.transient) return { ok: false, key: "backups.refused.other", values: { reason: error.message } };
    throw error;
  }
}
