// What the operator's commands (`npm run tasks`, `npm run notify:test`, `npm run db:backup`) act
// through: the database and orchestrator opened by the command itself when it can (a PostgreSQL
// server, or an embedded database no portal holds), otherwise the running portal's control channel
// (the embedded database belongs to one process: the portal's). Either way the same orchestrator
// methods answer.
import path from "node:path";
import { DatabaseInUseError } from "../../prisma/database.ts";
import type { Database } from "../../prisma/database.ts";
import type {
  Orchestrator,
  PortalBackupReport,
  RunReport,
  TaskListing,
  TenantBackupService,
  TenantBackupSummary,
  TenantUpgradeService,
  UpgradeRunSummary,
} from "../../orchestrator/index.ts";
import { openDatabaseFor, openOrchestratorFor } from "../boot.server";
import { clockFromEnvironment } from "../clock.server";
import type { AppConfig } from "../config.server";
import type { Logger } from "../logger.server";
import { readControlToken } from "./control-token.server";

export type OperatorCommands = Pick<Orchestrator, "listTasks" | "runDueTasks" | "sendTestNotification" | "backupPortalDatabase" | "tenantBackups" | "upgrades"> & {
  /** "the database" or "the running portal at http://…": printed so the operator knows. */
  readonly via: string;
  /** The database and orchestrator when the command opened them itself (null through the portal). */
  readonly local: { database: Database; orchestrator: Orchestrator } | null;
  close(): Promise<void>;
};

export async function openOperatorCommands(config: AppConfig, logger: Logger): Promise<OperatorCommands> {
  try {
    const database = await openDatabaseFor(config, logger);
    const orchestrator = await openOrchestratorFor(config, database, logger, clockFromEnvironment(process.env));
    return {
      via: "the database",
      local: { database, orchestrator },
      listTasks: () => orchestrator.listTasks(),
      runDueTasks: (at) => orchestrator.runDueTasks(at),
      sendTestNotification: () => orchestrator.sendTestNotification(),
      backupPortalDatabase: (dir) => orchestrator.backupPortalDatabase(dir),
      tenantBackups: orchestrator.tenantBackups,
      upgrades: orchestrator.upgrades,
      close: () => database.close(),
    };
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error;
    return portalCommands(config, error);
  }
}

class ControlError extends Error {
  override name = "ControlError";
}

async function portalCommands(config: AppConfig, inUse: DatabaseInUseError): Promise<OperatorCommands> {
  const token = await readControlToken(config.dataDir);
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${config.port}/_control`;
  if (!token) throw new ControlError(`${inUse.message}\nNo control token in ${config.dataDir}: is that process a Tenantry portal started with this DATA_DIR?`);
  const call = async <T>(method: "GET" | "POST", pathAndQuery: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${pathAndQuery}`, { method, headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10 * 60_000) });
    } catch {
      throw new ControlError(`${inUse.message}\nThe portal does not answer at ${base}: set HOST and PORT as the portal has them, or stop it and run the command again.`);
    }
    const body = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) throw new ControlError(body.error ?? `The portal answered ${response.status} at ${base}${pathAndQuery}.`);
    return body;
  };
  const revive = (listing: TaskListing): TaskListing => ({
    ...listing,
    nextPeriodAt: new Date(listing.nextPeriodAt),
    lastRun: listing.lastRun
      ? {
          ...listing.lastRun,
          asOf: new Date(listing.lastRun.asOf),
          startedAt: new Date(listing.lastRun.startedAt),
          finishedAt: listing.lastRun.finishedAt ? new Date(listing.lastRun.finishedAt) : null,
        }
      : null,
  });
  return {
    via: `the running portal at ${base.replace(/\/_control$/, "")}`,
    local: null,
    listTasks: async () => (await call<{ tasks: TaskListing[] }>("GET", "/tasks")).tasks.map(revive),
    runDueTasks: async (at) => (await call<{ reports: RunReport[] }>("POST", `/tasks/run-due?at=${encodeURIComponent(at.toISOString())}`)).reports,
    sendTestNotification: async () => (await call<{ lines: string[] }>("POST", "/notify-test")).lines,
    backupPortalDatabase: async (dir) =>
      (await call<{ report: PortalBackupReport }>("POST", `/portal-backup${dir ? `?dir=${encodeURIComponent(path.resolve(dir))}` : ""}`)).report,
    tenantBackups: tenantBackupsThroughPortal(call),
    upgrades: upgradesThroughPortal(call),
    close: async () => {},
  };
}

/** `npm run tenant` through the portal's control channel (control-routes.server.ts). */
function tenantBackupsThroughPortal(call: <T>(method: "GET" | "POST", pathAndQuery: string) => Promise<T>): TenantBackupService {
  const query = (values: Record<string, string | undefined>) =>
    Object.entries(values)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join("&");
  return {
    backup: (slug, by) => call("POST", `/tenant-backups/backup?${query({ slug, by: by.requestedBy })}`),
    list: async (slug) =>
      (await call<{ backups: TenantBackupSummary[] }>("GET", `/tenant-backups?${query({ slug })}`)).backups.map((b) => ({ ...b, createdAt: new Date(b.createdAt) })),
    restore: (request, by) =>
      call("POST", `/tenant-backups/restore?${query({ slug: request.slug, backup: request.backupId, into: request.into, by: by.requestedBy })}`),
    waitForJob: (jobId, timeoutMs) => call("GET", `/jobs/wait?${query({ id: jobId, timeoutMs: String(timeoutMs) })}`),
  };
}

/** `npm run tenant -- upgrade` through the portal's control channel (control-routes.server.ts). */
function upgradesThroughPortal(call: <T>(method: "GET" | "POST", pathAndQuery: string) => Promise<T>): TenantUpgradeService {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  const revive = (run: UpgradeRunSummary): UpgradeRunSummary => ({
    ...run,
    createdAt: new Date(run.createdAt),
    finishedAt: date(run.finishedAt),
    tenants: run.tenants.map((t) => ({ ...t, queuedAt: date(t.queuedAt), finishedAt: date(t.finishedAt) })),
  });
  return {
    request: async (request, by) => revive(await call<UpgradeRunSummary>("POST", `/upgrades?${new URLSearchParams({ request: JSON.stringify(request), by: by.requestedBy })}`)),
    run: async (runId) => {
      const { run } = await call<{ run: UpgradeRunSummary | null }>("GET", `/upgrades/run?${new URLSearchParams({ id: runId })}`);
      return run ? revive(run) : null;
    },
    list: async (limit) =>
      (await call<{ runs: Omit<UpgradeRunSummary, "tenants">[] }>("GET", `/upgrades/list?${new URLSearchParams({ limit: String(limit ?? 20) })}`)).runs.map((run) => ({
        ...run,
        createdAt: new Date(run.createdAt),
        finishedAt: date(run.finishedAt),
      })),
    wait: async (runId, timeoutMs) => revive(await call<UpgradeRunSummary>("GET", `/upgrades/wait?${new URLSearchParams({ id: runId, timeoutMs: String(timeoutMs) })}`)),
  };
}
