// orchestrator/templates/compose-subset.ts: the part of compose a template may use. Each refusal
// changes one thing in the inline base template and expects the message to name it.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadTemplate } from "../../orchestrator/templates/load.ts";
import { renderStack } from "../../orchestrator/templates/render.ts";
import { baseCompose, inlineValues, refusal, useTemplateScratch } from "../support/template-fixtures.ts";

const { writeTemplate } = useTemplateScratch();

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
