// Helpers for the tests that run tenants through Portainer: the Portainer double
// (tests/portainer-double) on the real Docker engine, a Portainer driver pointed at it with
// short waits, the portal's environment for it, and the demo tenant's stack rendered by the real
// template code (so its compose text and its StackSpec describe the same stack, as in production).
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createPortainerDriver, type PortainerDriver, type PortainerDriverOptions } from "../../orchestrator/portainer/driver.ts";
import { generateSecret } from "../../orchestrator/templates/generate-secret.ts";
import { loadTemplate } from "../../orchestrator/templates/load.ts";
import { renderTenant, type RenderedTenant } from "../../orchestrator/templates/render.ts";
import type { Template } from "../../orchestrator/templates/template.ts";
import { startPortainerDouble, type PortainerDouble, type PortainerDoubleOptions } from "../portainer-double/server.ts";
import { LOCAL_IMAGES } from "./tenant-engine.ts";

export type { PortainerDouble } from "../portainer-double/server.ts";

export function startDouble(options: PortainerDoubleOptions = {}): Promise<PortainerDouble> {
  return startPortainerDouble({ socketPath: "/var/run/docker.sock", ...options });
}

export type DoubleAuth = "api-key" | "password";

/** A driver for the double, with waits short enough for tests. */
export function portainerDriverFor(double: PortainerDouble, auth: DoubleAuth = "api-key", overrides: Partial<PortainerDriverOptions> = {}): PortainerDriver {
  return createPortainerDriver({
    url: double.url,
    credentials: auth === "api-key" ? { apiKey: double.admin.apiKey! } : { username: double.admin.username, password: double.admin.password },
    environment: { id: 1 },
    pollIntervalMs: 250,
    retryDelayMs: 100,
    ...overrides,
  });
}

/** The portal's environment for running tenants through the double. */
export function portainerEnv(double: PortainerDouble, auth: DoubleAuth = "api-key"): Record<string, string> {
  return {
    ORCHESTRATOR_DRIVER: "portainer",
    PORTAINER_URL: double.url,
    PORTAINER_ENDPOINT_ID: "1",
    ...(auth === "api-key"
      ? { PORTAINER_API_KEY: double.admin.apiKey! }
      : { PORTAINER_USERNAME: double.admin.username, PORTAINER_PASSWORD: double.admin.password }),
  };
}

let demoTemplate: Promise<Template> | undefined;

export interface DemoTenant extends RenderedTenant {
  tenantId: string;
  slug: string;
  appPort: number;
  appUrl: string;
  secrets: { POSTGRES_PASSWORD: string; APP_SECRET_KEY: string };
}

/** The demo tenant's stack as provisioning renders it, with the locally built images. */
export async function renderDemoTenant(options: { slug: string; appPort: number; appImage?: string }): Promise<DemoTenant> {
  demoTemplate ??= loadTemplate(fileURLToPath(new URL("../../compose-templates/demo/", import.meta.url)));
  const template = await demoTemplate;
  const secrets = {
    POSTGRES_PASSWORD: generateSecret({ bytes: 24, encoding: "hex" }),
    APP_SECRET_KEY: generateSecret({ bytes: 32, encoding: "hex" }),
  };
  const tenantId = `test-${randomBytes(6).toString("hex")}`;
  const rendered = renderTenant(template, {
    tenantId,
    slug: options.slug,
    values: {
      APP_IMAGE: options.appImage ?? LOCAL_IMAGES.TENANT_APP_IMAGE,
      POSTGRES_IMAGE: LOCAL_IMAGES.TENANT_POSTGRES_IMAGE,
      APP_PORT: options.appPort,
      ...secrets,
    },
  });
  return { ...rendered, tenantId, slug: options.slug, appPort: options.appPort, appUrl: `http://127.0.0.1:${options.appPort}`, secrets };
}
