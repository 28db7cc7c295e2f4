// `npm run tenant`: a tenant's backups (issue 13), for the operator.
//   npm run tenant -- backup <slug>                                  takes a backup now
//   npm run tenant -- backups <slug>                                 lists its backups, newest first
//   npm run tenant -- restore <slug> [<backup-id>] [--into <new-slug>]
//       restores its latest backup (or the one named) in place, or into a new tenant <new-slug> (a
//       copy of the same customer, provisioned then given the backup's data; no email is sent)
//   npm run tenant -- upgrade <slug> | --plan <id> | --all --image <ref> [--batch <n>]
//       upgrades one tenant, a plan's active tenants or all of them to an app image, n at a time
//       (default 1); a batch with a failure stops the run; prints each tenant's outcome
// Each command queues the job and waits for it to end (Ctrl-C stops waiting, not the job). With
// the embedded database, held by the running portal, it asks the portal (control channel), whose
// worker runs the job; otherwise it opens the database itself and runs a worker while it waits, so
// the job runs even when no portal is up (a running portal's worker may take it instead).
import { openOperatorCommands, type OperatorCommands } from "./control/operator-commands.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import { SETTING_VARIABLES } from "./setting-hints.server";
import type { TenantBackupSummary, UpgradeRequest, Worker } from "../orchestrator/index.ts";

const USAGE =
  "Usage: npm run tenant -- backup <slug> | backups <slug> | restore <slug> [<backup-id>] [--into <new-slug>]\n" +
  "       npm run tenant -- upgrade <slug> | --plan <id> | --all --image <ref> [--batch <n>]";
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const WAIT_LIMIT_MS = 60 * 60_000;

type Parsed =
  | { command: "backup" | "backups"; slug: string }
  | { command: "restore"; slug: string; backupId?: string; into?: string }
  | { command: "upgrade"; request: UpgradeRequest };

/** upgrade <slug> | --plan <id> | --all, with --image <ref> and [--batch <n>], in any order. */
function parseUpgradeArgs(rest: string[]): Parsed | null {
  const args = [...rest];
  const take = (flag: string): string | null | undefined => {
    const at = args.indexOf(flag);
    if (at < 0) return undefined;
    const value = args[at + 1];
    if (!value || value.startsWith("-")) return null;
    args.splice(at, 2);
    return value;
  };
  const image = take("--image");
  const plan = take("--plan");
  const batch = take("--batch");
  if (!image || plan === null || batch === null) return null;
  const all = args.indexOf("--all");
  if (all >= 0) args.splice(all, 1);
  if (args.some((arg) => arg.startsWith("-")) || args.length > 1) return null;
  const targets = [args.length === 1, plan !== undefined, all >= 0].filter(Boolean).length;
  if (targets !== 1) return null;
  const target = args[0] ? { slug: args[0] } : plan ? { plan } : { all: true as const };
  const batchSize = batch === undefined ? 1 : Number(batch);
  return { command: "upgrade", request: { target, image, batchSize } };
}

function parseTenantArgs(args: string[]): Parsed | null {
  const [command, ...rest] = args;
  if (command === "upgrade") return parseUpgradeArgs(rest);
  if ((command === "backup" || command === "backups") && rest.length === 1 && !rest[0]!.startsWith("-")) return { command, slug: rest[0]! };
  if (command !== "restore") return null;
  const flag = rest.indexOf("--into");
  let into: string | undefined;
  if (flag >= 0) {
    into = rest[flag + 1];
    if (!into || into.startsWith("-")) return null;
    rest.splice(flag, 2);
  }
  if (rest.length < 1 || rest.length > 2 || rest.some((arg) => arg.startsWith("-"))) return null;
  return { command, slug: rest[0]!, ...(rest[1] ? { backupId: rest[1] } : {}), ...(into ? { into } : {}) };
}

async function main() {
  const parsed = parseTenantArgs(process.argv.slice(2));
  if (!parsed) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(process.env);
  // The command's own lines are the output; the portal's log lines only when something goes wrong.
  const commands = await openOperatorCommands(config, createLogger("warn"));
  try {
    if (parsed.command === "backups") {
      printBackups(parsed.slug, await commands.tenantBackups.list(parsed.slug), commands.via);
      return;
    }
    if (parsed.command === "backup") {
      const { jobId } = await commands.tenantBackups.backup(parsed.slug, OPERATOR);
      console.log(`Backup of ${parsed.slug} queued (job ${jobId}, through ${commands.via}); waiting for it…`);
      if (await waitAndReport(commands, jobId)) {
        const [latest] = await commands.tenantBackups.list(parsed.slug);
        if (latest) printBackups(parsed.slug, [latest], commands.via);
      }
      return;
    }
    if (parsed.command === "upgrade") {
      await upgradeAndReport(commands, parsed.request);
      return;
    }
    if (parsed.command !== "restore") return;
    const queued = await commands.tenantBackups.restore(
      { slug: parsed.slug, ...(parsed.backupId ? { backupId: parsed.backupId } : {}), ...(parsed.into ? { into: parsed.into } : {}) },
      OPERATOR,
    );
    console.log(
      parsed.into
        ? `Restore of backup ${queued.backupId} into the new tenant ${queued.slug} queued (provisioned first, then restored; job ${queued.jobId}); waiting for it…`
        : `Restore of backup ${queued.backupId} into ${queued.slug} queued (a backup of its current data is taken first; job ${queued.jobId}); waiting for it…`,
    );
    await waitAndReport(commands, queued.jobId);
  } finally {
    await commands.close();
  }
}

/** Waits for the job (running a worker when the command opened the database itself); true when it succeeded. */
async function waitAndReport(commands: OperatorCommands, jobId: string): Promise<boolean> {
  let worker: Worker | null = commands.local ? commands.local.orchestrator.startWorker() : null;
  const started = Date.now();
  try {
    for (;;) {
      const outcome = await commands.tenantBackups.waitForJob(jobId, 30_000);
      if (outcome.status === "succeeded") {
        console.log(`Done (job ${jobId}).`);
        return true;
      }
      if (outcome.status === "failed" || outcome.status === "canceled") {
        console.error(`The job ${outcome.status}: ${outcome.lastError ?? "no reason recorded"}`);
        // The job's text names the key by its fingerprint only; here is where it is set.
        if (/was made with another key/.test(outcome.lastError ?? "")) console.error(`Check ${SETTING_VARIABLES["backups.key"]}, then restart the portal.`);
        process.exitCode = 1;
        return false;
      }
      if (Date.now() - started > WAIT_LIMIT_MS) {
        console.error(`Job ${jobId} is still ${outcome.status} after an hour; it goes on. Follow it in the console.`);
        process.exitCode = 1;
        return false;
      }
    }
  } finally {
    await worker?.stop();
    worker = null;
  }
}

/** Asks for the upgrade run and follows it batch by batch (running a worker when the command opened the database itself). */
async function upgradeAndReport(commands: OperatorCommands, request: UpgradeRequest): Promise<void> {
  const run = await commands.upgrades.request(request, OPERATOR);
  const batches = Math.max(...run.tenants.map((t) => t.batch)) + 1;
  console.log(`Upgrade run ${run.id}: ${run.tenants.length} tenant(s) to ${run.image}, ${run.batchSize} at a time (${batches} batch(es), through ${commands.via}); waiting…`);
  let worker: Worker | null = commands.local ? commands.local.orchestrator.startWorker() : null;
  const started = Date.now();
  const reported = new Set<string>();
  try {
    let current = run;
    for (;;) {
      for (const t of current.tenants) {
        if (reported.has(t.tenantId) || !["succeeded", "rolled_back", "failed", "skipped"].includes(t.status)) continue;
        reported.add(t.tenantId);
        console.log(`  batch ${t.batch + 1}  ${t.slug.padEnd(24)} ${t.status.padEnd(11)} ${t.fromImage ?? ""}${t.status === "succeeded" ? ` -> ${current.image}` : ""}`);
        if (t.error) console.log(`      ${t.error.split("\n")[0]}`);
      }
      if (current.status !== "running") break;
      if (Date.now() - started > WAIT_LIMIT_MS) {
        console.error(`Upgrade run ${run.id} is still running after an hour; it goes on. Follow it in the console.`);
        process.exitCode = 1;
        return;
      }
      current = await commands.upgrades.wait(run.id, 30_000);
    }
    if (current.status === "succeeded") console.log(`Done: every tenant runs ${current.image}.`);
    else {
      console.error(`The run stopped: a tenant's upgrade failed (rolled back to its previous image when possible); the later batches were skipped. Look at the failure, then run the upgrade again for the rest.`);
      process.exitCode = 1;
    }
  } finally {
    await worker?.stop();
    worker = null;
  }
}

function printBackups(slug: string, backups: TenantBackupSummary[], via: string) {
  if (backups.length === 0) {
    console.log(`Tenant ${slug} has no backup yet (through ${via}). Take one: npm run tenant -- backup ${slug}`);
    return;
  }
  console.log(`Backups of ${slug} (through ${via}), newest first:`);
  for (const b of backups) {
    const size = b.sizeBytes === null ? "" : `${(b.sizeBytes / 1024 / 1024).toFixed(2)} MiB`;
    const rows = b.rowCounts ? Object.entries(b.rowCounts).map(([table, count]) => `${table}=${count}`).join(" ") : "";
    console.log(`  ${b.id}  ${b.createdAt.toISOString().slice(0, 19).replace("T", " ")} UTC  ${b.reason.padEnd(15)} ${b.status.padEnd(9)} ${size.padStart(10)}`);
    if (b.status === "succeeded") console.log(`      ${b.durationMs ?? "?"} ms  sha256 ${b.sha256}  ${rows}`);
    if (b.error) console.log(`      ${b.error}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
