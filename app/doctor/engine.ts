// Doctor checks of where tenants run, through the orchestrator's read-only checkEngine (the app
// never talks to the engine itself): the Docker engine answers on DOCKER_SOCKET (or Portainer, its
// API key and environment), the template's images exist there, and the tenants' port range is
// free (no other container publishes in it, nothing listens on a few of its ports).
import path from "node:path";
import { checkEngine, type CheckFailure, type EngineCheckReport } from "../../orchestrator/index.ts";
import type { AppConfig } from "../config.server";
import { SETTING_VARIABLES } from "../setting-hints.server";
import { passed, problem, type DoctorCheck } from "./check";

// The template's variables the portal sets from its own variables (loadConfig's templateValues).
const IMAGE_VARIABLES: Record<string, string> = { APP_IMAGE: "TENANT_APP_IMAGE", POSTGRES_IMAGE: "TENANT_POSTGRES_IMAGE" };

export async function checkEngineAndPorts(config: AppConfig): Promise<DoctorCheck[]> {
  const o = config.orchestrator;
  const report = await checkEngine({
    driver: o.driver,
    templatesDir: path.resolve("compose-templates"),
    template: o.template,
    templateValues: o.templateValues,
    portRange: o.portRange,
    bindAddress: o.bindAddress,
  });
  return [engineCheck(report, config), ...imageChecks(report, config), portCheck(report, config)];
}

function engineCheck(report: EngineCheckReport, config: AppConfig): DoctorCheck {
  const portainer = config.orchestrator.driver.kind === "portainer";
  const name = portainer ? "portainer" : "engine";
  if (!report.engine) {
    return passed(name, portainer ? `${report.description} answers; the API key and the environment are accepted` : `${report.description} answers`);
  }
  const fix = portainer
    ? `Check ${report.engine.setting ? SETTING_VARIABLES[report.engine.setting] : "PORTAINER_URL, PORTAINER_API_KEY and PORTAINER_ENDPOINT_ID or PORTAINER_ENDPOINT_NAME"}: Portainer must answer at PORTAINER_URL, accept the key, and show the environment.`
    : `Start the Docker engine, or set DOCKER_SOCKET to its socket (now ${config.orchestrator.dockerSocket}); the user running Tenantry must be allowed to use it (e.g. in the docker group).`;
  return problem(name, `${report.description}: ${report.engine.message}`, fix);
}

function imageChecks(report: EngineCheckReport, config: AppConfig): DoctorCheck[] {
  const template = config.orchestrator.template;
  if (report.template) return [templateProblem(report.template, template)];
  if (!report.images) {
    return [passed("images", "not checked: the engine does not answer")];
  }
  return report.images.map((image) => {
    const name = `image ${image.image}`;
    if (image.present) return passed(name, `present on the engine (template ${template})`);
    const variable = image.variable ? IMAGE_VARIABLES[image.variable] : undefined;
    return problem(
      name,
      `template ${template} needs ${image.image}${image.variable ? ` (its ${image.variable})` : ""}, and the engine does not have it`,
      `Build or load it on the engine (\`docker pull ${image.image}\`, \`docker load\`, or scripts/docker/build-images.sh for the local images)` +
        (variable ? `, or set ${variable} to an image the engine has.` : ", or change the image in the template."),
    );
  });
}

function templateProblem(failure: CheckFailure, template: string): DoctorCheck {
  return problem("template", `template ${template} cannot be used: ${failure.message}`, "Set TENANT_TEMPLATE to a folder of compose-templates/, and fix the template or TENANT_APP_IMAGE / TENANT_POSTGRES_IMAGE.");
}

function portCheck(report: EngineCheckReport, config: AppConfig): DoctorCheck {
  const { first, last } = config.orchestrator.portRange;
  const name = "port range";
  const range = `${first}-${last} on ${config.orchestrator.bindAddress}`;
  const foreign = report.foreignPorts ?? [];
  const taken = report.bind.taken;
  if (foreign.length === 0 && taken.length === 0) {
    const engine = report.foreignPorts === null ? "not compared with the engine's containers (the engine does not answer); " : "no other container publishes in it; ";
    return passed(name, `${range}: ${engine}ports ${report.bind.tried.join(", ") || "(none free to try)"} can be listened on`);
  }
  const found = [
    ...foreign.slice(0, 5).map((entry) => `port ${entry.port} is published by container ${entry.container}`),
    ...(foreign.length > 5 ? [`${foreign.length - 5} more ports published by other containers`] : []),
    ...taken.map((port) => `port ${port} is in use on ${config.orchestrator.bindAddress} by a program outside the engine`),
  ];
  return problem(
    name,
    `${range}: ${found.join("; ")}`,
    "Set TENANT_PORT_RANGE to a range nobody else uses (e.g. 20000-20999), or stop what holds those ports; TENANT_BIND_ADDRESS must be an address of this host.",
  );
}
