// `npm run tasks`: the periodic tasks, for the operator.
//   npm run tasks -- list                      each task: its period, last run, next period
//   npm run tasks -- run-due [--at <time>]     runs what is due as of now, or as of <time> (ISO 8601,
//                                              UTC unless it says otherwise): to catch up after
//                                              downtime, or to try a date. A period already done is
//                                              skipped; jobs it queues (suspensions, terminations,
//                                              repairs) are run by the portal's worker.
// With the embedded database, held by the running portal, the command asks the portal (control
// channel); with a PostgreSQL server it opens the database itself.
import { parseAsOf } from "./control/as-of";
import { openOperatorCommands } from "./control/operator-commands.server";
import { ConfigError, loadConfig } from "./config.server";
import { createLogger } from "./logger.server";
import type { RunReport, TaskListing } from "../orchestrator/index.ts";

const USAGE = "Usage: npm run tasks -- list | run-due [--at <ISO time, e.g. 2027-01-04T09:00:00Z>]";

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== "list" && command !== "run-due") {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  let at = new Date();
  if (command === "run-due") {
    const flag = rest.indexOf("--at");
    if (rest.length > 0 && (flag !== 0 || rest.length !== 2)) {
      console.error(USAGE);
      process.exitCode = 2;
      return;
    }
    const parsed = parseAsOf(rest[1], new Date());
    if ("error" in parsed) {
      console.error(parsed.error);
      process.exitCode = 2;
      return;
    }
    at = parsed.date;
  }
  const config = loadConfig(process.env);
  // The command's own lines are the output; the portal's log lines only when something goes wrong.
  const commands = await openOperatorCommands(config, createLogger("warn"));
  try {
    if (command === "list") {
      printListing(await commands.listTasks(), commands.via);
    } else {
      const reports = await commands.runDueTasks(at);
      printReports(reports, at, commands.via);
      if (reports.some((r) => r.outcome === "failed")) process.exitCode = 1;
    }
  } finally {
    await commands.close();
  }
}

function printListing(tasks: TaskListing[], via: string) {
  console.log(`Periodic tasks (through ${via}):`);
  for (const task of tasks) {
    const last = task.lastRun;
    const lastText = last
      ? `${last.status} ${minute(last.startedAt)}${last.status === "failed" && last.error ? `: ${last.error}` : last.summary ? ` ${summaryText(last.summary)}` : ""}`
      : "never ran";
    console.log(`  ${task.name.padEnd(16)} ${task.period.padEnd(32)} last: ${lastText}`);
    console.log(`  ${"".padEnd(16)} ${task.description}`);
    console.log(`  ${"".padEnd(16)} next period from ${minute(task.nextPeriodAt)}`);
  }
}

function printReports(reports: RunReport[], at: Date, via: string) {
  console.log(`Tasks due as of ${at.toISOString()} (through ${via}):`);
  for (const report of reports) {
    const detail =
      report.outcome === "succeeded"
        ? summaryText(report.summary)
        : report.outcome === "failed"
          ? `${report.error}${report.willRetry ? " (the scheduler tries it again)" : ""}`
          : "already done for this period, or running elsewhere";
    console.log(`  ${report.task.padEnd(16)} ${report.outcome.padEnd(9)} ${detail}`);
  }
  console.log("Jobs these tasks queued are run by the portal's worker (or `npm run worker`); follow them in the console.");
}

function summaryText(summary: unknown): string {
  if (!summary || typeof summary !== "object") return "";
  return Object.entries(summary as Record<string, unknown>)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
}

const minute = (date: Date) => date.toISOString().slice(0, 16).replace("T", " ") + " UTC";

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
