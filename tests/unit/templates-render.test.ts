// orchestrator/templates/render.ts: a template and a tenant's values become a StackSpec, its
// compose text, readiness checks and initial-user plan. The demo template end to end (names,
// labels, ports, limits, readiness, the initial user's psql input), then hostile values that must
// stay plain strings however they look.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LABELS, type StackSpec } from "../../orchestrator/stack-spec.ts";
import { initialUserStdin, psqlQuote } from "../../orchestrator/templates/initial-user.ts";
import { loadTemplate, loadTemplates } from "../../orchestrator/templates/load.ts";
import { variablesToReserve } from "../../orchestrator/templates/manifest.ts";
import { renderStack, renderTenant } from "../../orchestrator/templates/render.ts";
import type { Template } from "../../orchestrator/templates/template.ts";
import {
  APP_KEY,
  DEMO_DIR,
  demoValues,
  inlineValues,
  PASSWORD,
  renderError,
  TEMPLATES_ROOT,
  useTemplateScratch,
} from "../support/template-fixtures.ts";

const { writeTemplate } = useTemplateScratch();

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

describe("the dump section", () => {
  it("renders the demo's final dump: pg_dump of the app's database, as the container's postgres user", async () => {
    const demo = (await loadTemplates(TEMPLATES_ROOT)).get("demo")!;
    const { dump } = renderTenant(demo, { tenantId: "t", slug: "acme", values: { ...demoValues, POSTGRES_USER: "owner", POSTGRES_DB: "books" } });
    expect(dump).toEqual({
      service: "postgres",
      user: "postgres",
      command: ["pg_dump", "--no-owner", "--no-privileges", "-U", "owner", "-d", "books"],
    });
    // No secret reaches the command line.
    expect(dump!.command.join(" ")).not.toContain(PASSWORD);
  });

  it("is optional: a template without one renders no dump", async () => {
    const template = await loadTemplate(await writeTemplate());
    expect(renderTenant(template, { tenantId: "t", slug: "acme", values: inlineValues }).dump).toBeNull();
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
