// StackSpecs built by hand for the Docker driver tests: the "demo" tenant stack as
// compose-templates/demo/compose.yml describes it (postgres, then the app once postgres is
// healthy), with the locally built images, a fresh slug, a free port on 127.0.0.1 and random
// secrets; plus the few helpers the tests need to talk to the stack (HTTP on 127.0.0.1, psql stdin).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LABELS, type HealthcheckSpec, type ServiceSpec, type StackSpec } from "../../orchestrator/stack-spec.ts";

const TEMPLATE_DIR = fileURLToPath(new URL("../../compose-templates/demo/", import.meta.url));
export const POSTGRES_IMAGE = "tenantry/postgres:15-local";
export const APP_IMAGE = "tenantry/demo-app:local";

/** A slug no earlier run used: test stacks never collide with each other or with real tenants. */
export function newTestSlug(): string {
  return `t${randomBytes(4).toString("hex")}`;
}

export function projectOf(slug: string): string {
  return `client-${slug}`;
}

/** A port free on 127.0.0.1 right now (the engine binds it moments later). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface DemoStack {
  slug: string;
  spec: StackSpec;
  appUrl: string;
  appPort: number;
  postgres: { user: string; password: string; db: string; container: string };
  appContainer: string;
  network: string;
  volume: string;
}

// Every check runs each second (the template says 5s): on this engine the first check only
// comes one interval after start, and the suite must stay short.
function fastHealthcheck(test: string[]): HealthcheckSpec {
  return { test, intervalMs: 1_000, timeoutMs: 5_000, retries: 30, startPeriodMs: 10_000 };
}

// Comment lines are left alone: they mention ${VAR} forms only to explain them.
function render(template: string, values: Record<string, string>): string {
  return template
    .split("\n")
    .map((line) =>
      line.trimStart().startsWith("#")
        ? line
        : line.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
            const value = values[name];
            if (value === undefined) throw new Error(`no test value for \${${name}} of compose.yml`);
            return value;
          }),
    )
    .join("\n");
}

export function demoStack(options: { slug: string; appPort: number; appImage?: string; postgresImage?: string }): DemoStack {
  const { slug, appPort } = options;
  const project = projectOf(slug);
  const network = `${slug}-network`;
  const volume = `${slug}-postgres-data`;
  const pg = { user: "app", db: "app", password: randomBytes(24).toString("hex"), container: `${slug}-postgres` };
  const appSecretKey = randomBytes(32).toString("hex");
  const appImage = options.appImage ?? APP_IMAGE;
  const postgresImage = options.postgresImage ?? POSTGRES_IMAGE;

  const template = readFileSync(`${TEMPLATE_DIR}compose.yml`, "utf8");
  const composeText = render(template, {
    SLUG: slug,
    APP_IMAGE: appImage,
    POSTGRES_IMAGE: postgresImage,
    APP_BIND_ADDRESS: "127.0.0.1",
    APP_PORT: String(appPort),
    POSTGRES_USER: pg.user,
    POSTGRES_DB: pg.db,
    POSTGRES_PASSWORD: pg.password,
    APP_SECRET_KEY: appSecretKey,
    APP_MEM_LIMIT: "256m",
    APP_CPUS: "0.5",
    POSTGRES_MEM_LIMIT: "512m",
    POSTGRES_CPUS: "1.0",
  });
  const common = {
    [LABELS.composeProject]: project,
    [LABELS.managed]: "true",
    [LABELS.tenantId]: `test-${slug}`,
    [LABELS.templateHash]: createHash("sha256").update(template).digest("hex").slice(0, 16),
    "tenantry.tenant": slug,
    "tenantry.template": "demo",
  };
  const serviceLabels = (service: string) => ({ ...common, [LABELS.composeService]: service, "tenantry.service": service });

  const postgres: ServiceSpec = {
    name: "postgres",
    containerName: pg.container,
    image: postgresImage,
    environment: { POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password, POSTGRES_DB: pg.db },
    ports: [],
    volumes: [{ volume, target: "/var/lib/postgresql/data", readOnly: false }],
    networks: [network],
    dependsOn: [],
    healthcheck: fastHealthcheck(["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", pg.user, "-d", pg.db]),
    restart: "unless-stopped",
    memoryBytes: 512 * 1024 * 1024,
    nanoCpus: 1_000_000_000,
    labels: serviceLabels("postgres"),
  };
  const app: ServiceSpec = {
    name: "app",
    containerName: `${slug}-app`,
    image: appImage,
    environment: {
      PORT: "8080",
      PGHOST: pg.container,
      PGPORT: "5432",
      PGUSER: pg.user,
      PGPASSWORD: pg.password,
      PGDATABASE: pg.db,
      APP_SECRET_KEY: appSecretKey,
    },
    ports: [{ hostIp: "127.0.0.1", hostPort: appPort, containerPort: 8080, protocol: "tcp" }],
    volumes: [],
    networks: [network],
    dependsOn: [{ service: "postgres", condition: "service_healthy" }],
    healthcheck: fastHealthcheck([
      "CMD",
      "node",
      "-e",
      "require('http').get('http://127.0.0.1:8080/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))",
    ]),
    restart: "unless-stopped",
    memoryBytes: 256 * 1024 * 1024,
    nanoCpus: 500_000_000,
    labels: serviceLabels("app"),
  };
  return {
    slug,
    spec: {
      project,
      composeText,
      services: [postgres, app],
      networks: [{ name: network, labels: { ...common, [LABELS.composeNetwork]: "tenant" } }],
      volumes: [{ name: volume, labels: { ...common, [LABELS.composeVolume]: "postgres-data" } }],
    },
    appUrl: `http://127.0.0.1:${appPort}`,
    appPort,
    postgres: pg,
    appContainer: app.containerName,
    network,
    volume,
  };
}

/**
 * A two-service stack of throwaway containers (the postgres image running shell commands) to
 * test how deploy treats a failing dependency: `dependency` as given, then `dependent`
 * (sleeping) which depends on it with `condition`.
 */
export function dependencyStack(options: {
  slug: string;
  dependency: Pick<ServiceSpec, "command" | "environment" | "healthcheck" | "restart">;
  condition: ServiceSpec["dependsOn"][number]["condition"];
}): StackSpec {
  const { slug } = options;
  const project = projectOf(slug);
  const network = `${slug}-network`;
  const labels = (service: string) => ({ [LABELS.composeProject]: project, [LABELS.composeService]: service, [LABELS.managed]: "true" });
  const base = { image: POSTGRES_IMAGE, ports: [], volumes: [], networks: [network] };
  return {
    project,
    composeText: "# built by hand in tests/support/docker-stack.ts\n",
    services: [
      { ...base, ...options.dependency, name: "dependency", containerName: `${slug}-dependency`, dependsOn: [], labels: labels("dependency") },
      {
        ...base,
        name: "dependent",
        containerName: `${slug}-dependent`,
        command: ["sleep", "300"],
        environment: {},
        dependsOn: [{ service: "dependency", condition: options.condition }],
        restart: "no",
        labels: labels("dependent"),
      },
    ],
    networks: [{ name: network, labels: { [LABELS.composeProject]: project } }],
    volumes: [],
  };
}

/** Polls `url` until it answers `status`, or fails after `timeoutMs` with the last answer. */
export async function waitForHttpStatus(url: string, status: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      last = `HTTP ${response.status} ${await response.text()}`;
      if (response.status === status) return;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    await delay(500);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs / 1000}s (last: ${last})`);
}

export async function postLogin(appUrl: string, username: string, password: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${appUrl}/login`, {
    method: "POST",
    body: new URLSearchParams({ username, password }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

// psql's quoting of a single-quoted meta-command argument, as manifest.json's initialUser says.
function psqlQuote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
}

/** psql's standard input creating (or resetting) the initial user, exactly as manifest.json's initialUser describes. */
export function initialUserStdin(username: string, passwordHash: string): string {
  const manifest = JSON.parse(readFileSync(`${TEMPLATE_DIR}manifest.json`, "utf8")) as { initialUser: { sql: string } };
  return `\\set username ${psqlQuote(username)}\n\\set password_hash ${psqlQuote(passwordHash)}\n${manifest.initialUser.sql}\n`;
}

/** The initial user's psql command line (manifest.json's, substituted): no value in it. */
export function initialUserCommand(stack: DemoStack): string[] {
  return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", stack.postgres.user, "-d", stack.postgres.db];
}
