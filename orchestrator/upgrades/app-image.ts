// Which app image a tenant runs (issue 13, upgrades). The template's app service (manifest
// roles.app) names its image with one config variable (demo: image "${APP_IMAGE}"); a tenant's own
// image (Tenant.appImage, set at provisioning, changed by an upgrade) is that variable's value for
// its stack, so both drivers get it the same way (the rendered compose text for Portainer, the
// service spec for dockerode).
import { OrchestratorError } from "../errors.ts";
import type { Template } from "../templates/template.ts";

const SINGLE_VARIABLE = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

/** The variable holding the app service's image, or null when the template writes a literal image. */
export function appImageVariable(template: Template): string | null {
  const services = template.compose["services"] as Record<string, unknown> | undefined;
  const app = services?.[template.manifest.roles.app] as Record<string, unknown> | undefined;
  const image = app?.["image"];
  if (typeof image !== "string") return null;
  return SINGLE_VARIABLE.exec(image)?.[1] ?? null;
}

/** Same as appImageVariable, but an upgrade needs it: says how to fix the template otherwise. */
export function requireAppImageVariable(template: Template): string {
  const variable = appImageVariable(template);
  if (!variable) {
    throw new OrchestratorError(
      `Template ${template.manifest.id}'s app service (${template.manifest.roles.app}) does not take its image from one variable, so its tenants cannot be upgraded. Write its image as "\${APP_IMAGE}" (a config variable) in compose.yml.`,
      { transient: false },
    );
  }
  return variable;
}

/** The template values with the tenant's own app image, when it has one. */
export function valuesWithAppImage<T extends Record<string, string | number>>(template: Template, values: T, appImage: string | null | undefined): T {
  const variable = appImage ? appImageVariable(template) : null;
  return variable ? { ...values, [variable]: appImage } : values;
}

/** The image the tenant's rendered app service runs. */
export function renderedAppImage(template: Template, services: readonly { name: string; image: string }[]): string | null {
  return services.find((service) => service.name === template.manifest.roles.app)?.image ?? null;
}

/** An image reference as an operator may type it: name[:tag][@digest], no spaces. */
export const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
