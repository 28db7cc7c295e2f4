// orchestrator/templates/template-rules.ts (and the manifest's checks it relies on): variables,
// names per tenant, published ports, reserved labels, secrets kept off command lines, quoted SQL
// parameters. Each refusal changes one thing in the inline base template.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadTemplate, loadTemplates } from "../../orchestrator/templates/load.ts";
import { renderStack } from "../../orchestrator/templates/render.ts";
import { inlineValues, refusal, useTemplateScratch, type Json } from "../support/template-fixtures.ts";

const scratch = useTemplateScratch();
const { writeTemplate } = scratch;

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

  it("refuses a dump that names no service, passes a secret on its command line or has an unknown key", async () => {
    const dump = { description: "final dump", service: "db", user: "postgres", command: ["pg_dump", "-U", "app"] };
    const message = await refusal(
      await writeTemplate({
        manifest: (m) => (m.dump = { ...dump, service: "database", command: ["pg_dump", "--password=${DB_PASSWORD}", "${NOPE}"] }),
      }),
    );
    expect(message).toContain(`dump.service names "database", which is not a service`);
    expect(message).toContain("dump.command[1] passes the secret DB_PASSWORD on a command line");
    expect(message).toContain("dump.command[2] uses ${NOPE}, which manifest.json does not declare");
    expect(await refusal(await writeTemplate({ manifest: (m) => (m.dump = { ...dump, shell: true }) }))).toContain("dump");
    expect(await refusal(await writeTemplate({ manifest: (m) => (m.dump = { ...dump, command: [] }) }))).toContain("dump.command");
    // The same section, well formed, loads.
    expect((await loadTemplate(await writeTemplate({ manifest: (m) => (m.dump = dump) }))).manifest.dump).toEqual(dump);
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
    const empty = path.join(scratch.dir, "empty");
    await mkdir(empty);
    await expect(loadTemplates(empty)).rejects.toThrow(/No template in/);
  });
});
