// Termination of a tenant whose trial expired and stayed suspended (asked for by the trial-lifecycle
// task): its database is started again just long enough for a final dump (final-dump.ts) and, with
// tenant backups configured, a pre-termination tenant backup (issue 13), then its
// stack and data volume are removed and, in one fenced transaction, its ports and secrets are
// released, it is marked destroyed, the termination is audited and the customer is told. Each step
// looks before it acts, so a job resumed after a crash or retried repeats nothing: the dump is
// skipped once written, removing what is gone succeeds, the release runs under the job's lease.
import type { Prisma } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import type { JobContext, JobDefinition } from "../jobs/run-job.ts";
import { enqueueEmail } from "../mail/outbox.ts";
import type { EmailLocale } from "../mail/templates/index.ts";
import type { RenderedTenant } from "../templates/render.ts";
import { projectName, type LifecycleDeps } from "./context.ts";
import { FINAL_DUMP_REASON, finalDumpFileName, writeFinalDump } from "./final-dump.ts";
import { auditActor, markFailed } from "./job-records.ts";
import { waitUntilReady } from "./readiness-wait.ts";
import { tenantStack } from "./tenant-stack.ts";
import { routeSteps } from "./tenant-route.ts";
import { recordBackupFailure, takeBackup } from "../tenant-backup/take-backup.ts";

export function terminateJob(deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "start-database",
        async run(context) {
          await record(context, { actualState: "destroying", progress: "Starting the database for its final backup" });
          const rendered = await tenantStack(deps, context);
          if (!rendered.dump || (await hasFinalDump(deps, context.tenant.id))) return;
          await bringUpDatabase(deps, context, rendered);
        },
      },
      {
        name: "dump",
        async run(context) {
          const rendered = await tenantStack(deps, context);
          const plan = rendered.dump;
          if (!plan) {
            deps.logger.warn("the template has no dump section: the tenant is terminated without a final dump", { tenant: context.tenant.slug });
            return;
          }
          if (await hasFinalDump(deps, context.tenant.id)) return;
          await context.progress("Writing the final backup of the database");
          // Started by the previous step, unless something stopped it since (a retry after a crash).
          if (!(await bringUpDatabase(deps, context, rendered))) {
            deps.logger.warn("nothing of the tenant's database is left on the engine: no final dump", { tenant: context.tenant.slug });
            return;
          }
          await writeFinalDump(deps, context, rendered.stack.project, plan);
        },
      },
      {
        // Beside the final dump (kept the final dumps' retention days, restorable by hand), a tenant backup
        // (issue 13) when backups are configured: listed with the tenant's backups, restorable into
        // a new tenant with `npm run tenant -- restore <slug> --into <new-slug>`.
        name: "pre-termination-backup",
        async run(context) {
          if (!deps.tenantBackups) return;
          const rendered = await tenantStack(deps, context);
          if (!rendered.dump) return;
          const taken = await deps.prisma.tenantBackup.findUnique({ where: { jobId: context.job.id }, select: { status: true } });
          if (taken?.status === "succeeded") return;
          await context.progress("Taking a backup of the database before termination");
          if (!(await bringUpDatabase(deps, context, rendered))) return;
          try {
            await takeBackup(deps, context, "pre-termination");
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            await context.withLease((tx) => recordBackupFailure(tx, context, reason, deps.clock.now()));
            throw error;
          }
        },
      },
      ...routeSteps(deps, "none"),
      {
        name: "remove",
        async run(context) {
          await context.progress("Removing the containers, network and data");
          await deps.driver.remove(projectName(context.tenant.slug), { removeVolumes: true });
        },
      },
      {
        name: "release",
        async run(context) {
          const tenantId = context.tenant.id;
          await context.withLease(async (tx) => {
            const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { customer: true } });
            if (tenant.actualState === "destroyed") return;
            await tx.portLease.deleteMany({ where: { tenantId } });
            await tx.tenantSecret.deleteMany({ where: { tenantId } });
            await tx.tenant.update({ where: { id: tenantId }, data: { actualState: "destroyed", progress: null } });
            const dump = await tx.tenantDump.findUnique({ where: { fileName: finalDumpFileName(tenantId) }, select: { fileName: true } });
            await writeAudit(tx, {
              ...auditActor(context),
              action: "tenant.terminated",
              tenantId,
              outcome: "succeeded",
              details: { finalDump: dump?.fileName ?? null },
            });
            // An erased customer (no address left) is not written to.
            if (tenant.customer.erasedAt === null) {
              const locale: EmailLocale = tenant.customer.locale === "fr" ? "fr" : "en";
              await enqueueEmail(tx, deps.secretBox, {
                idempotencyKey: `instance-terminated:${tenantId}`,
                tenantId,
                to: tenant.customer.email,
                locale,
                message: { purpose: "instance-terminated", firstName: tenant.customer.firstName, company: tenant.customer.company },
              });
            }
          });
        },
      },
    ],
    // The tenant stays wanted destroyed: the console's "retry destruction" finishes the removal.
    markFailed: (context, reason) => markFailed(context, "tenant.terminate_failed", reason),
  };
}

/**
 * Starts the stack (it is suspended) and waits for the first readiness check of the dump's service;
 * a stack whose containers are gone but whose volume is left is deployed again from that volume.
 * False when nothing of the stack is left (no data to dump).
 */
async function bringUpDatabase(deps: LifecycleDeps, context: JobContext, rendered: RenderedTenant): Promise<boolean> {
  const plan = rendered.dump!;
  const project = rendered.stack.project;
  const status = await deps.driver.status(project);
  const container = status.containers.find((c) => c.service === plan.service);
  if (!container) {
    if (!status.exists) return false;
    await deps.driver.deploy(rendered.stack, { signal: context.signal });
  } else if (container.state !== "running") {
    await deps.driver.start(project);
  }
  const check = rendered.readiness.find((c) => c.service === plan.service) ?? rendered.readiness[0];
  if (check) await waitUntilReady(deps, context, project, check);
  return true;
}

async function hasFinalDump(deps: LifecycleDeps, tenantId: string): Promise<boolean> {
  const row = await deps.prisma.tenantDump.findUnique({ where: { fileName: finalDumpFileName(tenantId) }, select: { reason: true, deletedAt: true } });
  return row !== null && row.reason === FINAL_DUMP_REASON && row.deletedAt === null;
}

async function record(context: JobContext, data: Prisma.TenantUpdateInput) {
  await context.withLease((tx) => tx.tenant.update({ where: { id: context.tenant.id }, data }));
}

