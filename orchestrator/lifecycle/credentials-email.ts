// The credentials email of a tenant, queued in the outbox in the same transaction as the change
// that calls for it (the tenant becoming active; a password reset).
import type { Prisma } from "../../prisma/generated/client.ts";
import type { JobContext } from "../jobs/run-job.ts";
import { enqueueEmail } from "../mail/outbox.ts";
import type { EmailLocale } from "../mail/templates/index.ts";
import { tenantAppUrl, type LifecycleDeps } from "./context.ts";

export async function queueCredentialsEmail(
  deps: LifecycleDeps,
  tx: Prisma.TransactionClient,
  context: JobContext,
  options: { idempotencyKey: string; password: string; resent: boolean },
) {
  const tenant = await tx.tenant.findUniqueOrThrow({
    where: { id: context.tenant.id },
    include: { customer: true, subscription: true, portLeases: { orderBy: { createdAt: "asc" }, take: 1 } },
  });
  const locale: EmailLocale = tenant.customer.locale === "fr" ? "fr" : "en";
  await enqueueEmail(tx, deps.secretBox, {
    idempotencyKey: options.idempotencyKey,
    tenantId: tenant.id,
    to: tenant.customer.email,
    locale,
    message: {
      purpose: "credentials",
      firstName: tenant.customer.firstName,
      company: tenant.customer.company,
      plan: tenant.subscription?.plan ?? "trial",
      trialEndsAt: tenant.subscription?.trialEndsAt ?? new Date(),
      appUrl: tenantAppUrl(deps.tenantUrl, tenant.slug, tenant.portLeases[0]?.port),
      username: tenant.slug,
      temporaryPassword: options.password,
      resent: options.resent,
    },
  });
}
