// Tenant upgrades (issue 13), what the rest of Tenantry uses: ask for an upgrade run (one tenant,
// a plan's tenants or all, in batches), read runs, wait for one. The job is in job.ts (registered
// by lifecycle/definitions.ts), the batches in runs.ts, the tenant's image in app-image.ts.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Clock } from "../clock.ts";
import {
  listUpgradeRuns,
  requestUpgrade,
  upgradeRunSummary,
  waitForUpgradeRun,
  type UpgradeRequest,
  type UpgradeRequester,
  type UpgradeRunSummary,
} from "./runs.ts";

export { requestUpgrade, upgradeRunSummary, listUpgradeRuns, waitForUpgradeRun, UpgradeRequestError } from "./runs.ts";
export { IMAGE_REFERENCE } from "./app-image.ts";
export type { UpgradeRequest, UpgradeRequester, UpgradeTarget, UpgradeRunSummary, UpgradeRunTenantSummary } from "./runs.ts";

export interface UpgradeSettings {
  /** Bound on each readiness check after the new image started (the portal's upgrade health timeout). */
  healthTimeoutSeconds: number;
}

/** What the console and the operator's command use, bound to the portal's database and clock. */
export interface TenantUpgradeService {
  request(request: UpgradeRequest, by: UpgradeRequester): Promise<UpgradeRunSummary>;
  run(runId: string): Promise<UpgradeRunSummary | null>;
  list(limit?: number): Promise<Omit<UpgradeRunSummary, "tenants">[]>;
  wait(runId: string, timeoutMs: number): Promise<UpgradeRunSummary>;
}

export function tenantUpgradeService(prisma: PrismaClient, clock: Clock, settings: UpgradeSettings): TenantUpgradeService {
  return {
    request: (request, by) => requestUpgrade(prisma, request, by, settings, clock),
    run: (runId) => upgradeRunSummary(prisma, runId),
    list: (limit) => listUpgradeRuns(prisma, limit),
    wait: (runId, timeoutMs) => waitForUpgradeRun(prisma, runId, clock, { timeoutMs }),
  };
}
