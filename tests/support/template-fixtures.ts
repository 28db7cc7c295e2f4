// Shared by the tests of orchestrator/templates/ (tests/unit/templates-*.test.ts): the demo
// template's folder and values, and a small inline template written to a temporary folder that
// each test changes in one place (a compose key, a manifest field) to see it refused or rendered.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect } from "vitest";
import { stringify } from "yaml";
import { TemplateError } from "../../orchestrator/errors.ts";
import { loadTemplate } from "../../orchestrator/templates/load.ts";

export const TEMPLATES_ROOT = fileURLToPath(new URL("../../compose-templates/", import.meta.url));
export const DEMO_DIR = path.join(TEMPLATES_ROOT, "demo");
export const PASSWORD = "a".repeat(48);
export const APP_KEY = "b".repeat(64);
export const demoValues = { APP_PORT: 18080, POSTGRES_PASSWORD: PASSWORD, APP_SECRET_KEY: APP_KEY };
/** Values for the inline template's secret and port. */
export const inlineValues = { DB_PASSWORD: "c".repeat(32), WEB_PORT: 20001 };

export type Json = Record<string, any>; // loose on purpose: each test reaches into arbitrary keys

export function baseCompose(): Json {
  return {
    services: {
      web: {
        image: "${IMAGE}",
        container_name: "${SLUG}-web",
        environment: { COMPANY: "${COMPANY}", DB_PASSWORD: "${DB_PASSWORD}" },
        ports: ["127.0.0.1:${WEB_PORT}:8080"],
        networks: ["network"],
        depends_on: ["db"],
      },
      db: {
        image: "postgres:15",
        container_name: "${SLUG}-db",
        environment: { POSTGRES_PASSWORD: "${DB_PASSWORD}" },
        volumes: ["data:/var/lib/postgresql/data"],
        networks: ["network"],
      },
    },
    networks: { network: { name: "${SLUG}-network" } },
    volumes: { data: { name: "${SLUG}-data" } },
  };
}

export function baseManifest(id: string): Json {
  return {
    schemaVersion: 1,
    id,
    name: "Inline test template",
    description: "Written by tests/support/template-fixtures.ts.",
    roles: { app: "web", database: "db" },
    variables: [
      { name: "SLUG", kind: "tenant", description: "slug" },
      { name: "DB_PASSWORD", kind: "generated-secret", description: "secret", generate: { bytes: 16, encoding: "hex" } },
      { name: "WEB_PORT", kind: "port", description: "port" },
      { name: "IMAGE", kind: "config", description: "image", default: "web:1" },
      { name: "COMPANY", kind: "config", description: "a customer's data", default: "Acme" },
    ],
    readiness: [
      {
        id: "db-up",
        description: "database up",
        type: "exec",
        service: "db",
        command: ["pg_isready"],
        expect: { exitCode: 0 },
        intervalSeconds: 1,
        timeoutSeconds: 10,
      },
      {
        id: "web-health",
        description: "web answers",
        type: "http",
        service: "web",
        containerPort: 8080,
        path: "/health",
        expect: { status: 200 },
        intervalSeconds: 1,
        timeoutSeconds: 10,
      },
    ],
    initialUser: {
      description: "first login",
      type: "psql-stdin",
      service: "db",
      command: ["psql", "-v", "ON_ERROR_STOP=1"],
      runAfter: "db-up",
      parameters: [{ name: "username", source: "initial-username", description: "login" }],
      sql: "INSERT INTO users (username) VALUES (:'username');",
    },
  };
}

export interface TemplateChange {
  compose?: (compose: Json) => void;
  manifest?: (manifest: Json) => void;
  composeText?: string;
}

export interface TemplateScratch {
  /** The temporary folder of this test file (removed after it). */
  readonly dir: string;
  /** Writes a template folder (id = folder name) with one change and returns its path. */
  writeTemplate(change?: TemplateChange): Promise<string>;
}

/** A temporary folder for the calling test file, created before its tests and removed after. */
export function useTemplateScratch(): TemplateScratch {
  let dir = "";
  let counter = 0;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-templates-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    async writeTemplate(change: TemplateChange = {}) {
      const id = `t${++counter}`;
      const folder = path.join(dir, id);
      await mkdir(folder, { recursive: true });
      const compose = baseCompose();
      change.compose?.(compose);
      const manifest = baseManifest(id);
      change.manifest?.(manifest);
      await writeFile(path.join(folder, "compose.yml"), change.composeText ?? stringify(compose));
      await writeFile(path.join(folder, "manifest.json"), JSON.stringify(manifest, null, 2));
      return folder;
    },
  };
}

/** Loads the template in `dir`, expects a TemplateError and returns its message. */
export async function refusal(dir: string): Promise<string> {
  const error = await loadTemplate(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return (error as TemplateError).message;
}

/** Runs a render, expects a TemplateError and returns its message. */
export function renderError(render: () => unknown): string {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as Error).message;
  }
  throw new Error("expected a TemplateError, but rendering succeeded");
}
