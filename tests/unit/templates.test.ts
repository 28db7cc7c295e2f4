import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { TemplateError } from "../../orchestrator/errors.ts";
import { LABELS, type StackSpec } from "../../orchestrator/stack-spec.ts";
import { parseByteSize, parseDurationMs, parseNanoCpus } from "../../orchestrator/templates/compose-units.ts";
import { generateSecret } from "../../orchestrator/templates/generate-secret.ts";
import { initialUserStdin, psqlQuote } from "../../orchestrator/templates/initial-user.ts";
import { loadTemplate, loadTemplates } from "../../orchestrator/templates/load.ts";
import { parseManifest, variablesToReserve } from "../../orchestrator/templates/manifest.ts";
import { renderStack, renderTenant } from "../../orchestrator/templates/render.ts";
import type { Template } from "../../orchestrator/templates/template.ts";

const TEMPLATES_ROOT = fileURLToPath(new URL("../../compose-templates/", import.meta.url));
const DEMO_DIR = path.join(TEMPLATES_ROOT, "demo");
const PASSWORD = "a".repeat(48);
const APP_KEY = "b".repeat(64);
const demoValues = { APP_PORT: 18080, POSTGRES_PASSWORD: PASSWORD, APP_SECRET_KEY: APP_KEY };

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "tenantry-templates-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// A small template written to a temporary folder, changed by each test where it needs to.

type Json = Record<string, any>; // loose on purpose: each test reaches into arbitrary keys

function baseCompose(): Json {
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

function baseManifest(id: string): Json {
  return {
    schemaVersion: 1,
    id,
    name: "Inline test template",
    description: "Written by tests/unit/templates.test.ts.",
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

let counter = 0;

/** Writes a template folder (id = folder name) and returns its path. */
async function writeTemplate(
  change: { compose?: (compose: Json) => void; manifest?: (manifest: Json) => void; composeText?: string } = {},
): Promise<string> {
  const id = `t${++counter}`;
  const dir = path.join(scratch, id);
  await mkdir(dir, { recursive: true });
  const compose = baseCompose();
  change.compose?.(compose);
  const manifest = baseManifest(id);
  change.manifest?.(manifest);
  await writeFile(path.join(dir, "compose.yml"), change.composeText ?? stringify(compose));
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

async function refusal(dir: string): Promise<string> {
  const error = await loadTemplate(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return (error as TemplateError).message;
}

function renderError(render: () => unknown): string {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return (error as Error).message;
  }
  throw new Error("expected a TemplateError, but rendering succeeded");
}

const inlineValues = { DB_PASSWORD: "c".repeat(32), WEB_PORT: 20001 };

// ---------------------------------------------------------------------------------------------

describe("the demo template", () => {
  let demo: Template;
  let spec: StackSpec;
  beforeAll(async () => {
    const templates = await loadTemplates(TEMPLATES_ROOT);
    demo = templates.get("demo")!;
    spec = renderStack(demo, { tenantId: "tenant-42", slug: "acme", values: demoValues });
  });

  it("loads and validates; folders without a manifest (the app's source) are skipped", async () => {
    const templates = await loadTemplates(TEMPLATES_ROOT);
    expect([...templates.keys()]).toEqual(["demo"]);
    expect(demo.dir).toBe(path.resolve(DEMO_DIR));
    expect(demo.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(demo.manifest.roles).toEqual({ app: "app", database: "postgres" });
    expect(demo.manifest.publishDatabasePort).toBe(false);
  });

  it("names everything after the slug", () => {
    expect(spec.project).toBe("client-acme");
    expect(spec.services.map((service) => service.containerName)).toEqual(["acme-postgres", "acme-app"]);
    expect(spec.networks.map((network) => network.name)).toEqual(["acme-network"]);
    expect(spec.volumes.map((volume) => volume.name)).toEqual(["acme-postgres-data"]);
    for (const service of spec.services) expect(service.networks).toEqual(["acme-network"]);
    const postgres = spec.services.find((service) => service.name === "postgres")!;
    expect(postgres.volumes).toEqual([{ volume: "acme-postgres-data", target: "/var/lib/postgresql/data", readOnly: false }]);
    expect(spec.services.find((service) => service.name === "app")!.environment.PGHOST).toBe("acme-postgres");
  });

  it("puts compose's project labels and our ownership labels on every service, network and volume", () => {
    const owner = {
      [LABELS.composeProject]: "client-acme",
      [LABELS.managed]: "true",
      [LABELS.tenantId]: "tenant-42",
      [LABELS.templateHash]: demo.hash,
    };
    for (const service of spec.services) expect(service.labels).toEqual({ ...owner, [LABELS.composeService]: service.name });
    expect(spec.networks[0]!.labels).toEqual({ ...owner, [LABELS.composeNetwork]: "network" });
    expect(spec.volumes[0]!.labels).toEqual({ ...owner, [LABELS.composeVolume]: "postgres-data" });
  });

  it("publishes only the app port, on the configured address", () => {
    const ports = Object.fromEntries(spec.services.map((service) => [service.name, service.ports]));
    expect(ports).toEqual({
      postgres: [],
      app: [{ hostIp: "127.0.0.1", hostPort: 18080, containerPort: 8080, protocol: "tcp" }],
    });
  });

  it("starts postgres first and the app once postgres is healthy", () => {
    expect(spec.services.map((service) => service.name)).toEqual(["postgres", "app"]);
    expect(spec.services[1]!.dependsOn).toEqual([{ service: "postgres", condition: "service_healthy" }]);
  });

  it("converts limits and healthcheck timings to bytes, nano-CPUs and milliseconds", () => {
    const [postgres, app] = spec.services;
    expect(postgres!.memoryBytes).toBe(512 * 1024 * 1024);
    expect(postgres!.nanoCpus).toBe(1_000_000_000);
    expect(app!.memoryBytes).toBe(256 * 1024 * 1024);
    expect(app!.nanoCpus).toBe(500_000_000);
    expect(postgres!.healthcheck).toEqual({
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "app", "-d", "app"],
      intervalMs: 2000,
      timeoutMs: 5000,
      retries: 60,
      startPeriodMs: 10_000,
    });
    expect(postgres!.restart).toBe("unless-stopped");
  });

  it("passes the secrets to the containers", () => {
    const app = spec.services.find((service) => service.name === "app")!;
    expect(app.environment).toMatchObject({ PGPASSWORD: PASSWORD, APP_SECRET_KEY: APP_KEY, PGUSER: "app", PORT: "8080" });
  });

  it("writes a compose file that says the same as the StackSpec", () => {
    const compose = parse(spec.composeText);
    expect(Object.keys(compose)).toEqual(["name", "services", "networks", "volumes"]);
    expect(compose.name).toBe("client-acme");
    expect(compose.services.app.container_name).toBe("acme-app");
    expect(compose.services.app.ports).toEqual(["127.0.0.1:18080:8080"]);
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.app.labels).toEqual(spec.services[1]!.labels);
    expect(compose.networks).toEqual({ network: { name: "acme-network", labels: spec.networks[0]!.labels } });
    expect(compose.volumes).toEqual({ "postgres-data": { name: "acme-postgres-data", labels: spec.volumes[0]!.labels } });
    expect(spec.composeText).not.toContain("${");
  });

  it("takes the vendor's configuration over the manifest's defaults", () => {
    const configured = renderStack(demo, {
      tenantId: "t",
      slug: "acme",
      values: { ...demoValues, APP_IMAGE: "registry.example.com/app:2.1", APP_MEM_LIMIT: "1g", APP_CPUS: "2" },
    });
    const app = configured.services.find((service) => service.name === "app")!;
    expect(app).toMatchObject({ image: "registry.example.com/app:2.1", memoryBytes: 1024 ** 3, nanoCpus: 2e9 });
  });

  it("renders the readiness checks with variables and the published port filled in", () => {
    const { readiness } = renderTenant(demo, { tenantId: "t", slug: "acme", values: demoValues });
    expect(readiness.map((check) => check.id)).toEqual(["postgres-accepts-connections", "users-table-exists", "app-health"]);
    expect(readiness[0]).toMatchObject({
      type: "exec",
      service: "postgres",
      user: "postgres",
      command: ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "app", "-d", "app"],
      expect: { exitCode: 0 },
      intervalMs: 1000,
      timeoutMs: 120_000,
    });
    expect(readiness[1]).toMatchObject({ expect: { exitCode: 0, stdoutTrimmed: "t" } });
    expect(readiness[2]).toMatchObject({ type: "http", service: "app", url: "http://127.0.0.1:18080/health", expect: { status: 200 } });
  });

  it("checks HTTP readiness on the loopback address when the app listens on every interface", () => {
    const on = (address: string) =>
      renderTenant(demo, { tenantId: "t", slug: "acme", values: { ...demoValues, APP_BIND_ADDRESS: address } }).readiness[2];
    expect(on("0.0.0.0")).toMatchObject({ hostIp: "127.0.0.1", url: "http://127.0.0.1:18080/health" });
    expect(on("[::1]")).toMatchObject({ hostIp: "::1", url: "http://[::1]:18080/health" });
  });

  it("says which secrets to generate and which ports to allocate", () => {
    expect(variablesToReserve(demo.manifest)).toEqual({
      secrets: [
        { name: "POSTGRES_PASSWORD", generate: { bytes: 24, encoding: "hex" } },
        { name: "APP_SECRET_KEY", generate: { bytes: 32, encoding: "hex" } },
      ],
      ports: ["APP_PORT"],
    });
  });

  it("refuses to render without every secret and port, naming the missing one", () => {
    const render = (values: Record<string, string | number>) => () => renderStack(demo, { tenantId: "t", slug: "acme", values });
    expect(renderError(render({ POSTGRES_PASSWORD: PASSWORD, APP_SECRET_KEY: APP_KEY }))).toMatch(/APP_PORT has no value/);
    expect(renderError(render({ APP_PORT: 18080, APP_SECRET_KEY: APP_KEY }))).toMatch(/POSTGRES_PASSWORD has no value/);
    expect(renderError(render({ ...demoValues, APP_PORT: "80a" }))).toMatch(/APP_PORT must be a port number/);
    expect(renderError(render({ ...demoValues, APP_PORT: 70000 }))).toMatch(/APP_PORT must be a port number/);
    expect(renderError(render({ ...demoValues, APP_IMGE: "typo" }))).toMatch(/APP_IMGE is not a variable of template demo/);
    expect(renderError(render({ ...demoValues, SLUG: "other" }))).toMatch(/slug option/);
  });

  it.each(["Acme", "a", "-acme", "acme-", "ac me", "a".repeat(41), "acme\n"])("refuses the slug %j", (slug) => {
    expect(renderError(() => renderStack(demo, { tenantId: "t", slug, values: demoValues }))).toMatch(/Slug .* is not valid/);
  });

  it("refuses a configured value that would break a port, naming where", () => {
    const message = renderError(() =>
      renderStack(demo, { tenantId: "t", slug: "acme", values: { ...demoValues, APP_BIND_ADDRESS: "0.0.0.0:5432:5432/tcp#" } }),
    );
    expect(message).toContain("services.app.ports[0]");
  });

  it("builds the initial user's psql input from the plan", () => {
    const { initialUser } = renderTenant(demo, { tenantId: "t", slug: "acme", values: demoValues });
    expect(initialUser).toMatchObject({
      service: "postgres",
      user: "postgres",
      runAfter: "users-table-exists",
      command: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "app"],
      parameters: [
        { name: "username", source: "initial-username" },
        { name: "password_hash", source: "initial-password", transform: { type: "bcrypt", cost: 12 } },
      ],
    });
    const stdin = initialUserStdin(initialUser, { username: "ana o'brien\n\\x", password_hash: "$2b$12$abc" });
    expect(stdin).toBe(`\\set username 'ana o''brien\\n\\\\x'\n\\set password_hash '$2b$12$abc'\n${initialUser.sql}\n`);
    expect(() => initialUserStdin(initialUser, { username: "ana" })).toThrow(/no value for parameter password_hash/);
    expect(() => initialUserStdin(initialUser, { username: "a", password_hash: "h", extra: "x" })).toThrow(/unknown parameter/);
  });
});

describe("hashes", () => {
  it("changes when the compose file or the manifest changes, and only then", async () => {
    const dir = path.join(scratch, "demo");
    await cp(DEMO_DIR, dir, { recursive: true });
    const original = (await loadTemplate(dir)).hash;
    expect((await loadTemplate(dir)).hash).toBe(original);
    expect(original).toBe((await loadTemplate(DEMO_DIR)).hash);

    const composePath = path.join(dir, "compose.yml");
    const compose = await readFile(composePath, "utf8");
    await writeFile(composePath, compose.replace("retries: 30", "retries: 31"));
    const composeChanged = (await loadTemplate(dir)).hash;
    expect(composeChanged).not.toBe(original);

    const manifestPath = path.join(dir, "manifest.json");
    const manifest = await readFile(manifestPath, "utf8");
    await writeFile(manifestPath, manifest.replace('"default": "256m"', '"default": "300m"'));
    const bothChanged = (await loadTemplate(dir)).hash;
    expect(new Set([original, composeChanged, bothChanged]).size).toBe(3);

    await writeFile(composePath, compose);
    await writeFile(manifestPath, manifest);
    expect((await loadTemplate(dir)).hash).toBe(original);
  });
});

describe("compose subset", () => {
  it("loads the inline base template (the refusals below change only one thing)", async () => {
    const template = await loadTemplate(await writeTemplate());
    const spec = renderStack(template, { tenantId: "t", slug: "beta", values: inlineValues });
    expect(spec.services.map((service) => service.name)).toEqual(["db", "web"]);
    expect(spec.services[1]!.dependsOn).toEqual([{ service: "db", condition: "service_started" }]);
    expect(spec.services[0]!.restart).toBe("no");
  });

  it.each([
    ["privileged", true],
    ["cap_add", ["NET_ADMIN"]],
    ["network_mode", "host"],
    ["pid", "host"],
    ["build", "."],
    ["extends", { service: "db" }],
    ["deploy", { resources: { limits: { memory: "1g" } } }],
    ["env_file", ["stack.env"]],
    ["user", "root"],
    ["entrypoint", ["sh"]],
    ["expose", ["8080"]],
  ])("refuses services.web.%s, naming it", async (key, value) => {
    const message = await refusal(await writeTemplate({ compose: (c) => (c.services.web[key] = value) }));
    expect(message).toContain(`services.web.${key} is not supported by Tenantry's compose subset`);
    expect(message).toContain("supported here: image, container_name");
  });

  it.each([
    ["version", "3.8"],
    ["name", "fixed"],
    ["configs", {}],
    ["x-common", { image: "x" }],
  ])("refuses the top-level key %s", async (key, value) => {
    const message = await refusal(await writeTemplate({ compose: (c) => (c[key] = value) }));
    expect(message).toContain(`compose.yml: ${key} is not supported`);
  });

  it("refuses unsupported keys deeper down, with their path", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => {
          c.services.web.healthcheck = { test: ["CMD", "true"], disable: true };
          c.services.web.depends_on = { db: { condition: "service_started", restart: true } };
          c.networks.network.external = true;
          c.volumes.data.driver = "local";
        },
      }),
    );
    expect(message).toContain("services.web.healthcheck.disable is not supported");
    expect(message).toContain("services.web.depends_on.db.restart is not supported");
    expect(message).toContain("networks.network.external is not supported");
    expect(message).toContain("volumes.data.driver is not supported");
  });

  it.each(["/srv/data:/var/lib/postgresql/data", "./data:/var/lib/postgresql/data", "~/data:/data"])(
    "refuses the bind mount %s",
    async (mount) => {
      const message = await refusal(await writeTemplate({ compose: (c) => (c.services.db.volumes = [mount]) }));
      expect(message).toContain("services.db.volumes[0] mounts the host path");
      expect(message).toContain("bind mounts are refused");
    },
  );

  it("refuses a mount of an undeclared volume and the long volume syntax", async () => {
    expect(await refusal(await writeTemplate({ compose: (c) => (c.services.db.volumes = ["other:/data"]) }))).toContain(
      `mounts "other", which is not declared`,
    );
    expect(
      await refusal(await writeTemplate({ compose: (c) => (c.services.db.volumes = [{ type: "volume", source: "data", target: "/d" }]) })),
    ).toContain("the long syntax is not supported");
  });

  it("refuses the string form of command", async () => {
    const message = await refusal(await writeTemplate({ compose: (c) => (c.services.web.command = "node server.js") }));
    expect(message).toContain("services.web.command must be a non-empty list of strings");
  });

  it("refuses YAML it would have to ignore or cannot read", async () => {
    const tagged = stringify(baseCompose()).replace("depends_on:", "depends_on: !reset");
    expect(await refusal(await writeTemplate({ composeText: tagged }))).toContain("is not valid YAML");
    expect(await refusal(await writeTemplate({ composeText: "services: [\n" }))).toContain("is not valid YAML");
  });

  it("refuses a restart policy with a retry count", async () => {
    expect(await refusal(await writeTemplate({ compose: (c) => (c.services.web.restart = "on-failure:3") }))).toContain(
      "services.web.restart must be one of",
    );
  });

  it("orders services by their dependencies and refuses a cycle", async () => {
    expect(await refusal(await writeTemplate({ compose: (c) => (c.services.db.depends_on = ["web"]) }))).toMatch(
      /depends_on forms a cycle between web, db/,
    );
  });
});

describe("template rules", () => {
  it("refuses a variable the manifest does not declare, and a declared one nothing uses", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => (c.services.web.environment.COMPANY = "${COMPNY}"),
      }),
    );
    expect(message).toContain("services.web.environment.COMPANY uses ${COMPNY}, which manifest.json does not declare");
    expect(message).toContain("manifest.json declares COMPANY, which nothing uses");
  });

  it.each(["${COMPANY:-Acme}", "$COMPANY", "${company}", "price in $", "${COMPANY"])(
    "refuses the dollar form %j",
    async (value) => {
      const message = await refusal(await writeTemplate({ compose: (c) => (c.services.web.environment.NOTE = value) }));
      expect(message).toContain("services.web.environment.NOTE contains");
      expect(message).toContain("$$");
    },
  );

  it("keeps $$ as a literal dollar sign, written $$ again in the compose text", async () => {
    const template = await loadTemplate(
      await writeTemplate({ compose: (c) => (c.services.web.healthcheck = { test: ["CMD-SHELL", "test -n \"$$HOME\""] }) }),
    );
    const spec = renderStack(template, { tenantId: "t", slug: "beta", values: inlineValues });
    expect(spec.services[1]!.healthcheck!.test).toEqual(["CMD-SHELL", 'test -n "$HOME"']);
    expect(parse(spec.composeText).services.web.healthcheck.test).toEqual(["CMD-SHELL", 'test -n "$$HOME"']);
  });

  it("refuses a variable inside a CMD-SHELL healthcheck", async () => {
    const message = await refusal(
      await writeTemplate({ compose: (c) => (c.services.web.healthcheck = { test: "curl -f http://${COMPANY}/" }) }),
    );
    expect(message).toContain("services.web.healthcheck.test: a CMD-SHELL test must not contain variables");
  });

  it("refuses variables in names", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => {
          c.services.web.environment = ["${COMPANY}_NAME=x", "DB=${DB_PASSWORD}"];
          c.services.web.labels = { "${COMPANY}": "x" };
        },
      }),
    );
    expect(message).toContain(`services.web.environment: "\${COMPANY}_NAME": variables are substituted in values only`);
    expect(message).toContain("services.web.labels.${COMPANY}: variables are substituted in values only, never in keys");
  });

  it("refuses names that do not follow the per-tenant rule", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => {
          c.services.web.container_name = "web";
          delete c.services.db.container_name;
          c.networks.network.name = "shared";
          c.volumes.data.name = "${SLUG}-other";
        },
      }),
    );
    expect(message).toContain('services.web.container_name must be "${SLUG}-web" (got "web")');
    expect(message).toContain('services.db.container_name must be "${SLUG}-db" (got null)');
    expect(message).toContain('networks.network.name must be "${SLUG}-network"');
    expect(message).toContain('volumes.data.name must be "${SLUG}-data"');
  });

  it("refuses keys that are not safe as the end of a name", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => {
          c.volumes.Big_Data = { name: "${SLUG}-Big_Data" };
          c.services.db.volumes.push("Big_Data:/backup");
        },
      }),
    );
    expect(message).toContain(`volumes.Big_Data: "Big_Data" must be lowercase letters, digits and inner dashes`);
  });

  it("refuses keys that would name two tenants' resources alike", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => {
          c.volumes["db-data"] = { name: "${SLUG}-db-data" };
          c.services.db.volumes.push("db-data:/backup");
        },
      }),
    );
    expect(message).toContain("volumes.db-data.name and volumes.data.name could name two tenants' resources alike");
  });

  it("publishes the database port only when the manifest asks", async () => {
    const publishDb = (c: Json) => (c.services.db.ports = ["127.0.0.1:${DB_PORT}:5432"]);
    const addPort = (m: Json) => m.variables.push({ name: "DB_PORT", kind: "port", description: "database port" });
    expect(await refusal(await writeTemplate({ compose: publishDb, manifest: addPort }))).toContain(
      `services.db.ports: the database publishes a port; set "publishDatabasePort": true`,
    );
    const template = await loadTemplate(
      await writeTemplate({ compose: publishDb, manifest: (m) => (addPort(m), (m.publishDatabasePort = true)) }),
    );
    const spec = renderStack(template, { tenantId: "t", slug: "beta", values: { ...inlineValues, DB_PORT: 20002 } });
    expect(spec.services[0]!.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: 20002, containerPort: 5432, protocol: "tcp" }]);
  });

  it("refuses ports on other services, fixed host ports and ports without an address", async () => {
    const addCache = (c: Json) =>
      (c.services.cache = { image: "redis", container_name: "${SLUG}-cache", networks: ["network"], ports: ["127.0.0.1:${WEB_PORT}:6379"] });
    expect(await refusal(await writeTemplate({ compose: addCache }))).toContain("services.cache.ports: only the app service (web) publishes ports");
    expect(await refusal(await writeTemplate({ compose: (c) => (c.services.web.ports = ["127.0.0.1:8080:8080"]) }))).toContain(
      `services.web.ports[0] must be "IP:\${PORT_VARIABLE}:CONTAINER_PORT"`,
    );
    expect(await refusal(await writeTemplate({ compose: (c) => (c.services.web.ports = ["${WEB_PORT}:8080"]) }))).toContain(
      `services.web.ports[0] must be "IP:\${PORT_VARIABLE}:CONTAINER_PORT"`,
    );
  });

  it("refuses labels in the orchestrator's own namespaces", async () => {
    const message = await refusal(
      await writeTemplate({ compose: (c) => (c.services.web.labels = ["io.tenantry.tenant-id=forged", "com.example.team=ops"]) }),
    );
    expect(message).toContain("services.web.labels: io.tenantry.tenant-id is reserved");
    expect(message).not.toContain("com.example.team");
  });

  it("refuses a secret on a command line, unquoted SQL parameters and psql without ON_ERROR_STOP", async () => {
    const message = await refusal(
      await writeTemplate({
        manifest: (m) => {
          m.readiness[0].command = ["pg_isready", "--password", "${DB_PASSWORD}"];
          m.initialUser.command = ["psql"];
          m.initialUser.sql = "INSERT INTO users (username, note) VALUES (:username, '${COMPANY}');";
        },
      }),
    );
    expect(message).toContain("readiness[0].command[2] passes the secret DB_PASSWORD on a command line");
    expect(message).toContain("initialUser.sql reads username unquoted");
    expect(message).toContain("initialUser.sql never reads parameter username as :'username'");
    expect(message).toContain(`initialUser.command must pass "-v", "ON_ERROR_STOP=1"`);
    expect(message).toContain(`initialUser.sql contains "\${": variables are not substituted there`);
  });

  it("refuses a manifest with an unknown key, a weak secret or an id other than its folder", async () => {
    const message = await refusal(
      await writeTemplate({
        manifest: (m) => {
          m.publishAllPorts = true;
          m.variables[1].generate.bytes = 8;
        },
      }),
    );
    expect(message).toContain("publishAllPorts");
    expect(message).toContain("variables.1.generate.bytes: at least 16 bytes");
    expect(await refusal(await writeTemplate({ manifest: (m) => (m.id = "elsewhere") }))).toContain(
      `id is "elsewhere" but the folder is`,
    );
  });

  it("validates the defaults at load: a bad size is reported with its path", async () => {
    const message = await refusal(
      await writeTemplate({
        compose: (c) => (c.services.web.mem_limit = "${WEB_MEM}"),
        manifest: (m) => m.variables.push({ name: "WEB_MEM", kind: "config", description: "memory", default: "lots" }),
      }),
    );
    expect(message).toContain("services.web.mem_limit must be a size");
  });

  it("refuses an empty templates folder", async () => {
    const empty = path.join(scratch, "empty");
    await mkdir(empty);
    await expect(loadTemplates(empty)).rejects.toThrow(/No template in/);
  });
});

describe("hostile values", () => {
  const hostile = [
    '"\n  privileged: true',
    "x\nservices:\n  evil:\n    image: evil",
    "${IMAGE}",
    "${OTHER}",
    "$$",
    "$(rm -rf /)",
    "`id`",
    "*a",
    "&a anchored",
    "!!binary AAAA",
    "key: value",
    "# not a comment",
    "a # trailing",
    "- item",
    "{ a: 1 }",
    "[1, 2]",
    "'single' \"double\" \\backslash",
    "1_000",
    "0x1F",
    "1e5",
    "yes",
    "null",
    "~",
    "",
    " leading and trailing ",
    "tab\tcr\r\nline\u2028sep",
    "ünïcödé ☃",
  ];

  let template: Template;
  beforeAll(async () => {
    template = await loadTemplate(await writeTemplate());
  });

  it.each(hostile)("%j stays one plain string in the StackSpec and in the compose text", (value) => {
    const secret = value === "" ? "x" : value; // an empty secret is refused, rightly
    const spec = renderStack(template, {
      tenantId: "t",
      slug: "beta",
      values: { ...inlineValues, COMPANY: value, DB_PASSWORD: secret },
    });
    const web = spec.services.find((service) => service.name === "web")!;
    const db = spec.services.find((service) => service.name === "db")!;
    expect(web.environment).toEqual({ COMPANY: value, DB_PASSWORD: secret });
    expect(db.environment).toEqual({ POSTGRES_PASSWORD: secret });
    expect(web.image).toBe("web:1");

    // The compose text keeps the template's structure; compose turns $$ back into $.
    const compose = parse(spec.composeText);
    expect(Object.keys(compose)).toEqual(["name", "services", "networks", "volumes"]);
    expect(Object.keys(compose.services)).toEqual(["web", "db"]);
    expect(Object.keys(compose.services.web).sort()).toEqual(
      ["container_name", "depends_on", "environment", "image", "labels", "networks", "ports"].sort(),
    );
    expect(Object.keys(compose.services.db).sort()).toEqual(
      ["container_name", "environment", "image", "labels", "networks", "volumes"].sort(),
    );
    const doubled = (text: string) => text.replaceAll("$", () => "$$");
    expect(compose.services.web.environment).toEqual({ COMPANY: doubled(value), DB_PASSWORD: doubled(secret) });
    expect(compose.services.db.environment).toEqual({ POSTGRES_PASSWORD: doubled(secret) });
    expect(compose.services.web.image).toBe("web:1");
    expect(compose.services.web.ports).toEqual(["127.0.0.1:20001:8080"]);
    // Compose's YAML parser follows YAML 1.1 where yes, 1_000 or 0x1F are not strings.
    expect(parse(spec.composeText, { version: "1.1" })).toEqual(compose);
  });

  it("are never interpolated again: a value naming another variable keeps its text", () => {
    const spec = renderStack(template, { tenantId: "t", slug: "beta", values: { ...inlineValues, COMPANY: "${IMAGE} $${IMAGE}" } });
    expect(spec.services[1]!.environment.COMPANY).toBe("${IMAGE} $${IMAGE}");
    expect(spec.composeText).toContain('COMPANY: "$${IMAGE} $$$${IMAGE}"');
  });

  it("are refused where they would not fit (an image reference), not rendered", () => {
    const message = renderError(() =>
      renderStack(template, { tenantId: "t", slug: "beta", values: { ...inlineValues, IMAGE: 'web:1"\n  privileged: true' } }),
    );
    expect(message).toContain("services.web.image must be an image reference");
  });

  it("refuse a NUL character, without showing the value", () => {
    const message = renderError(() =>
      renderStack(template, { tenantId: "t", slug: "beta", values: { ...inlineValues, DB_PASSWORD: "secret\0value" } }),
    );
    expect(message).toContain("DB_PASSWORD contains a NUL character");
    expect(message).not.toContain("secret");
  });

  it("pass through psql's quoting unchanged", () => {
    expect(psqlQuote("o'brien")).toBe("'o''brien'");
    expect(psqlQuote("a\\b")).toBe("'a\\\\b'");
    expect(psqlQuote("line\nbreak\r")).toBe("'line\\nbreak\\r'");
    expect(psqlQuote("`id` :'x' :x")).toBe("'`id` :''x'' :x'");
    expect(() => psqlQuote("nul\0")).toThrow(/NUL/);
  });
});

describe("units", () => {
  it.each([
    ["5s", 5000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h", 3_600_000],
    ["1.5s", 1500],
    ["0s", 0],
  ])("duration %s = %i ms", (text, ms) => {
    expect(parseDurationMs(text, "x")).toBe(ms);
  });

  it.each(["5", "abc", "5 s", "-1s", "", 5])("refuses the duration %j", (value) => {
    expect(() => parseDurationMs(value, "services.app.healthcheck.interval")).toThrow(/services\.app\.healthcheck\.interval must be a duration/);
  });

  it.each([
    ["256m", 268_435_456],
    ["1g", 1_073_741_824],
    ["1GB", 1_073_741_824],
    ["512k", 524_288],
    ["1.5g", 1_610_612_736],
    ["1048576", 1_048_576],
    [6_291_456, 6_291_456],
  ] as const)("size %j = %i bytes", (value, bytes) => {
    expect(parseByteSize(value, "x")).toBe(bytes);
  });

  it.each(["lots", "-1m", "1x", "", 0])("refuses the size %j", (value) => {
    expect(() => parseByteSize(value, "services.app.mem_limit")).toThrow(/services\.app\.mem_limit must be a size/);
  });

  it.each([
    ["0.5", 500_000_000],
    ["1.0", 1_000_000_000],
    [2, 2_000_000_000],
    ["0.25", 250_000_000],
  ] as const)("cpus %j = %i nano-CPUs", (value, nano) => {
    expect(parseNanoCpus(value, "x")).toBe(nano);
  });

  it.each(["0", "half", "-1", ""])("refuses cpus %j", (value) => {
    expect(() => parseNanoCpus(value, "services.app.cpus")).toThrow(/services\.app\.cpus must be a positive number/);
  });
});

describe("secrets", () => {
  it("generates hex and unpadded base64url of the requested length", () => {
    const hex = generateSecret({ bytes: 24, encoding: "hex" });
    expect(hex).toMatch(/^[0-9a-f]{48}$/);
    const url = generateSecret({ bytes: 32, encoding: "base64url" });
    expect(url).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret({ bytes: 24, encoding: "hex" })).not.toBe(hex);
    expect(generateSecret({ bytes: 16, encoding: "base64url" }, (size) => Buffer.alloc(size, 0xff))).toBe("_____________________w");
  });

  it("refuses a manifest asking for fewer than 128 bits", () => {
    const manifest = baseManifest("weak");
    manifest.variables[1].generate = { bytes: 15, encoding: "hex" };
    expect(() => parseManifest(JSON.stringify(manifest), "manifest.json")).toThrow(/at least 16 bytes/);
  });
});
