// An orchestrator on the real Docker engine in the test's own process, wired as the portal wires
// it (createOrchestrator on the Docker socket, the demo template with the locally built images),
// and a logger that keeps the orchestrator's lines so that a failing test can quote them. Used by
// the in-process engine tests (lifecycle, reconcile, usage, provisioning alerts).
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from "../../orchestrator/index.ts";
import type { OrchestratorLogger } from "../../orchestrator/logger.ts";
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
