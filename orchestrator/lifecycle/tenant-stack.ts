// A tenant's stack, rendered from its template with its own secrets and ports. Secrets and ports
// are reserved once (stored encrypted, leased) and read back on every later render, so rendering
// again after a crash or for a resume gives the very same stack.
import type { Prisma } from "../../prisma/generated/client.ts";
import { tenantResources } from "../plans/tenant-resources.ts";
import { leasePort } from "../ports.ts";
import { tenantSecret, tenantSecretContext } from "../secrets.ts";
import { generateSecret } from "../templates/generate-secret.ts";
import { variablesToReserve } from "../templates/manifest.ts";
import { renderTenant, type RenderedTenant } from "../templates/render.ts";
import type { JobContext } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "./context.ts";
import { valuesWithAppImage } from "../upgrades/app-image.ts";

export const INITIAL_PASSWORD = "initial_password";
// 128 bits in base64url: short enough to type, long enough not to guess.
export const INITIAL_PASSWORD_SPEC = { bytes: 16, encoding: "base64url" } as const;

/**
 * Reserves (first time) or reads back (later) every secret and port, then renders the stack: with
 * the tenant's own app image (Tenant.appImage, issue 13 upgrades), or `appImage` when given (an
 * upgrade rendering the target or the previous image).
 */
export async function tenantStack(deps: LifecycleDeps, context: JobContext, appImage?: string): Promise<RenderedTenant> {
  const { tenant } = context;
  const reserve = variablesToReserve(deps.template.manifest);
  const values: Record<string, string | number> = { ...deps.templateValues };
  for (const secret of reserve.secrets) {
    const value = await tenantSecret(deps.prisma, deps.secretBox, tenant.id, secret.name, () => generateSecret(secret.generate));
    context.registerSecret(value);
    values[secret.name] = value;
  }
  for (const port of reserve.ports) {
    values[port] = await leasePort({
      prisma: deps.prisma,
      tenantId: tenant.id,
      purpose: port,
      range: deps.portRange,
      publishedOnEngine: () => deps.driver.publishedPorts(),
      bindAddress: deps.bindAddress,
    });
  }
  const resources = await tenantResources(deps, tenant.id);
  return renderTenant(deps.template, {
    tenantId: tenant.id,
    slug: tenant.slug,
    values: valuesWithAppImage(deps.template, values, appImage ?? tenant.appImage),
    ...(resources ? { resources } : {}),
  });
}

/**
 * The temporary password a job sets and mails (provisioning, resending credentials): a fresh one
 * per job, generated once and stored encrypted under the job's id, so a crash between setting it
 * and mailing it never mails another. When the job ends well it becomes the tenant's
 * INITIAL_PASSWORD and this secret is deleted (docs/decisions/0008-a-password-per-provisioning.md).
 */
export function jobPassword(deps: LifecycleDeps, context: JobContext): Promise<string> {
  return tenantSecretOnce(deps, context, jobPasswordName(context), () => generateSecret(INITIAL_PASSWORD_SPEC));
}

/** "provision:<job id>", "resend:<job id>". */
export function jobPasswordName(context: JobContext): string {
  return `${context.job.kind === "resend_credentials" ? "resend" : context.job.kind}:${context.job.id}`;
}

/** A tenant secret generated the first time it is asked for, and known to the job's redaction. */
export async function tenantSecretOnce(deps: LifecycleDeps, context: JobContext, name: string, generate: () => string) {
  const value = await tenantSecret(deps.prisma, deps.secretBox, context.tenant.id, name, generate);
  context.registerSecret(value);
  return value;
}

/**
 * The job's password as stored, or null once the job has handed it over (the step that mails it
 * ran to its end, then the worker died before recording the step): read, never generated, since
 * the password already set in the tenant's database is the one to mail.
 */
export async function storedJobPassword(deps: LifecycleDeps, tx: Prisma.TransactionClient, context: JobContext): Promise<string | null> {
  const name = jobPasswordName(context);
  const row = await tx.tenantSecret.findUnique({ where: { tenantId_name: { tenantId: context.tenant.id, name } } });
  if (!row) return null;
  const value = deps.secretBox.decrypt(row.ciphertext, `${context.tenant.id}/${name}`);
  context.registerSecret(value);
  return value;
}

/** Overwrites a stored secret (the temporary password after a reset). */
export async function replaceSecret(
  deps: LifecycleDeps,
  tx: Prisma.TransactionClient,
  tenantId: string,
  name: string,
  value: string,
) {
  const ciphertext = deps.secretBox.encrypt(value, tenantSecretContext(tenantId, name));
  await tx.tenantSecret.upsert({
    where: { tenantId_name: { tenantId, name } },
    create: { tenantId, name, ciphertext },
    update: { ciphertext },
  });
}
