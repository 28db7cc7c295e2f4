// What `npm run doctor` asks of the engine, without creating an orchestrator (no database, no
// worker): does the engine (or Portainer, with its API key and environment) answer, are the images
// the tenants' template names (with the vendor's values) on it, and is the tenants' port range
// free (no other container publishes a port in it, nothing listens on a few of its ports). It
// only reads; failures come back as data (message and setting code), never thrown.
import Dockerode from "dockerode";
import { systemClock } from "../clock.ts";
import { dockerCallOrNull } from "../docker/errors.ts";
import { dockerEngineApi } from "../docker/engine.ts";
import type { EngineApi } from "../engine-api/engine.ts";
import { OrchestratorError, settingOf, TemplateError, type OrchestratorSetting } from "../errors.ts";
import { PortainerClient } from "../portainer/client.ts";
import type { DockerProxy } from "../portainer/docker-proxy.ts";
import { describeChoice, resolveEnvironment } from "../portainer/environment.ts";
import { PortainerApiError } from "../portainer/errors.ts";
import type { PortainerCredentials } from "../portainer/session.ts";
import { canBind, type PortRange } from "../ports.ts";
import { LABELS } from "../stack-spec.ts";
import { loadTemplates } from "../templates/load.ts";
import { renderTenant } from "../templates/render.ts";

export interface CheckFailure {
  message: string;
  /** The setting to fix, when one is the way out (the portal names its variable). */
  setting?: OrchestratorSetting;
}

export interface EngineCheckOptions {
  driver:
    | { kind: "docker"; socketPath: string }
    | { kind: "portainer"; url: string; credentials: PortainerCredentials; environment: { id: number } | { name: string } };
  templatesDir: string;
  template: string;
  templateValues?: Record<string, string>;
  portRange: PortRange;
  bindAddress: string;
  /** Free ports of the range tried with a listen on bindAddress (default 5). */
  bindProbes?: number;
}

export interface ImageCheck {
  image: string;
  /** The template's variable that named it (APP_IMAGE…), when one did. */
  variable: string | null;
  present: boolean;
}

export interface EngineCheckReport {
  /** "docker at /var/run/docker.sock" or "portainer at https://… (environment 2)": no credentials. */
  description: string;
  /** null when the engine answered (and, with Portainer, the key and environment were accepted). */
  engine: CheckFailure | null;
  /** The template could not be loaded or rendered with the vendor's values. */
  template: CheckFailure | null;
  /** null when not checked (the engine or the template failed). */
  images: ImageCheck[] | null;
  /** Ports of the range published by containers that are not Tenantry's; null when not checked. */
  foreignPorts: { port: number; container: string }[] | null;
  /** Ports of the range tried with a listen on the bind address, and those that were taken. */
  bind: { tried: number[]; taken: number[] };
}

export async function checkEngine(options: EngineCheckOptions): Promise<EngineCheckReport> {
  const { engine, describe, imagePresent } = connect(options);
  const report: EngineCheckReport = { description: describe, engine: null, template: null, images: null, foreignPorts: null, bind: { tried: [], taken: [] } };
  const published = new Set<number>();
  try {
    await engine().then((api) => api.ping());
  } catch (error) {
    report.engine = failure(error);
  }
  let images: { image: string; variable: string | null }[] = [];
  try {
    images = await templateImages(options);
  } catch (error) {
    report.template = failure(error);
  }
  if (!report.engine) {
    try {
      if (!report.template) {
        report.images = await Promise.all(images.map(async (entry) => ({ ...entry, present: await imagePresent(entry.image) })));
      }
      const api = await engine();
      const ports = await portsOnEngine(api, options.portRange);
      for (const entry of ports.all) published.add(entry.port);
      report.foreignPorts = ports.foreign;
    } catch (error) {
      report.engine = failure(error);
    }
  }
  report.bind = await probeBind(options, published);
  return report;
}

function connect(options: EngineCheckOptions): {
  engine: () => Promise<EngineApi>;
  describe: string;
  imagePresent: (image: string) => Promise<boolean>;
} {
  const config = options.driver;
  if (config.kind === "docker") {
    const docker = new Dockerode({ socketPath: config.socketPath, timeout: 15_000 });
    const api = dockerEngineApi(docker);
    return {
      engine: async () => api,
      describe: `docker at ${config.socketPath}`,
      imagePresent: async (image) => (await dockerCallOrNull(`inspecting image ${image}`, () => docker.getImage(image).inspect())) !== null,
    };
  }
  const client = new PortainerClient({ url: config.url, credentials: config.credentials, clock: systemClock, requestTimeoutMs: 15_000, attempts: 1 });
  const timing = { clock: systemClock, deployTimeoutMs: 60_000, pollIntervalMs: 2_000 };
  let environment: Promise<DockerProxy> | undefined;
  // Resolving the environment reads Portainer's version (reachable), then the environment with
  // the credentials (key accepted, environment found and of a Docker kind).
  const proxy = () => (environment ??= resolveEnvironment(client, config.environment, timing).then((env) => env.proxy));
  return {
    engine: proxy,
    describe: `portainer at ${client.target} (${describeChoice(config.environment)})`,
    // Through Portainer's Docker proxy, as the engine answers it: 404 when the image is absent.
    imagePresent: async (image) => {
      const docker = await proxy();
      try {
        await docker.client.send(docker.call(`/images/${image}/json`, { action: `inspecting image ${image}` }));
        return true;
      } catch (error) {
        if (error instanceof PortainerApiError && error.status === 404) return false;
        throw error;
      }
    },
  };
}

/** The images the template's services name with the vendor's values, and the variable of each. */
async function templateImages(options: EngineCheckOptions): Promise<{ image: string; variable: string | null }[]> {
  const templates = await loadTemplates(options.templatesDir);
  const template = templates.get(options.template);
  if (!template) {
    throw new OrchestratorError(`No compose template "${options.template}" (found: ${[...templates.keys()].join(", ")}).`, { transient: false, setting: "template" });
  }
  const values: Record<string, string> = { ...options.templateValues };
  let port = options.portRange.first;
  for (const variable of template.manifest.variables) {
    if (variable.kind === "generated-secret") values[variable.name] = "0".repeat(variable.generate.bytes * 2);
    if (variable.kind === "port") values[variable.name] = String(port++);
  }
  const rendered = renderTenant(template, { tenantId: "doctor-check", slug: "doctor-check", values });
  const configured = template.manifest.variables.filter((variable) => variable.kind === "config");
  const seen = new Set<string>();
  return rendered.stack.services.flatMap((service) => {
    if (seen.has(service.image)) return [];
    seen.add(service.image);
    const variable = configured.find((v) => (options.templateValues?.[v.name] ?? v.default) === service.image)?.name ?? null;
    return [{ image: service.image, variable }];
  });
}

/** Host ports in the range taken on the engine: by any container, and by containers not ours. */
async function portsOnEngine(api: EngineApi, range: PortRange) {
  const all: { port: number; container: string }[] = [];
  const foreign: { port: number; container: string }[] = [];
  for (const container of await api.listContainers({})) {
    const name = (container.Names?.[0] ?? container.Id).replace(/^\//, "");
    const ports = new Set<number>();
    for (const p of container.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
    // A stopped container publishes nothing now but takes its fixed ports back when started.
    if (container.State !== "running") {
      const info = await api.inspectContainer(container.Id, name);
      for (const bindings of Object.values(info?.HostConfig.PortBindings ?? {})) {
        for (const b of bindings ?? []) if (Number(b.HostPort) > 0) ports.add(Number(b.HostPort));
      }
    }
    const ours = container.Labels?.[LABELS.managed] === "true";
    for (const port of ports) {
      if (port < range.first || port > range.last) continue;
      all.push({ port, container: name });
      if (!ours) foreign.push({ port, container: name });
    }
  }
  return { all, foreign: foreign.sort((a, b) => a.port - b.port) };
}

// A few ports of the range that no container holds: another program listening there would make
// a tenant's deployment fail with "address already in use".
async function probeBind(options: EngineCheckOptions, published: Set<number>) {
  const wanted = options.bindProbes ?? 5;
  const tried: number[] = [];
  const taken: number[] = [];
  for (let port = options.portRange.first; port <= options.portRange.last && tried.length < wanted; port++) {
    if (published.has(port)) continue;
    tried.push(port);
    if (!(await canBind(port, options.bindAddress))) taken.push(port);
  }
  return { tried, taken };
}

function failure(error: unknown): CheckFailure {
  const message = error instanceof Error ? error.message : String(error);
  const setting = settingOf(error) ?? (error instanceof TemplateError ? "template" : undefined);
  return setting ? { message, setting } : { message };
}
