// An orchestrator on the real Docker engine in the test's own process, wired as the portal wires
// it (createOrchestrator on the Docker socket, the demo template with the locally built images),
// and a logger that keeps the orchestrator's lines so that a failing test can quote them. Used by
// the in-process engine tests (lifecycle, reconcile, usage, provisioning alerts, Caddy routes,
// custom domains), with the two waits those tests share: a job that must succeed, and a pass of
// the due tasks whose named tasks must succeed (either failing with what the test gives as context).
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createOrchestrator, type Orchestrator, type OrchestratorOptions, type RunReport } from "../../orchestrator/index.ts";
import type { OrchestratorLogger } from "../../orchestrator/logger.ts";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { LOCAL_IMAGES } from "./tenant-engine.ts";

export const TEMPLATES_DIR = fileURLToPath(new URL("../../compose-templates/", import.meta.url));

/** The demo template's image variables set to the images `npm test` builds locally. */
export const LOCAL_TEMPLATE_VALUES = { APP_IMAGE: LOCAL_IMAGES.TENANT_APP_IMAGE, POSTGRES_IMAGE: LOCAL_IMAGES.TENANT_POSTGRES_IMAGE };

/** A logger that keeps every line but debug ones, as "level message {fields}". */
export function capturingLogger(): { logger: OrchestratorLogger; lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { logger: { debug: () => {}, info: keep("info"), warn: keep("warn"), error: keep("error") }, lines };
}

export type EngineOrchestratorOptions = Pick<OrchestratorOptions, "prisma" | "logger" | "portRange"> & {
  /** The development mailbox's folder (the test's scratch folder). */
  mailboxDir: string;
} & Partial<Omit<OrchestratorOptions, "prisma" | "logger" | "portRange" | "mail">>;

export function engineOrchestrator(options: EngineOrchestratorOptions): Promise<Orchestrator> {
  const { mailboxDir, ...rest } = options;
  return createOrchestrator({
    driver: { kind: "docker", socketPath: "/var/run/docker.sock" },
    templatesDir: TEMPLATES_DIR,
    template: "demo",
    templateValues: LOCAL_TEMPLATE_VALUES,
    bindAddress: "127.0.0.1",
    tenantUrl: "http://127.0.0.1:{port}",
    mail: { devMailboxDir: mailboxDir, from: "Tenantry <noreply@example.com>" },
    secretKey: randomBytes(32),
    pollIntervalMs: 200,
    ...rest,
  });
}

/**
 * Waits for a job to succeed (at most `timeoutMs`) and returns it with its steps. A failed job, or
 * one not done in time, throws with its steps and `context()` (the orchestrator's last lines, a
 * child process's output…).
 */
export async function jobSucceeds(prisma: PrismaClient, jobId: string, context: () => string = () => "", timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await prisma.provisioningJob.findUniqueOrThrow({ where: { id: jobId }, include: { steps: { orderBy: { position: "asc" } } } });
    if (job.status === "succeeded") return job;
    if (job.status === "failed" || Date.now() > deadline) {
      const steps = job.steps.map((s) => `${s.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n  ");
      throw new Error(`${job.kind} job ${job.status}: ${job.lastError ?? ""}\n  ${steps}\n${context()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export type SucceededReport = Extract<RunReport, { outcome: "succeeded" }>;

/**
 * Runs the tasks due as of `asOf` (as `npm run tasks -- run-due` does) and returns the reports of
 * `tasks` by name; throws, with `context()`, unless each of them succeeded.
 */
export async function dueTasksSucceed(orchestrator: Orchestrator, asOf: Date, tasks: string[], context: () => string = () => ""): Promise<Record<string, SucceededReport>> {
  const reports = await orchestrator.runDueTasks(asOf);
  const byName: Record<string, SucceededReport> = {};
  for (const name of tasks) {
    const report = reports.find((r) => r.task === name);
    if (report?.outcome !== "succeeded") throw new Error(`${name} did not succeed: ${JSON.stringify(report)}\n${context()}`);
    byName[name] = report;
  }
  return byName;
}
