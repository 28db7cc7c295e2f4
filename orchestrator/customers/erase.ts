// Erasure of a customer's personal data (the right to be forgotten). The rows stay (the books,
// the audit log's ids) but every personal field is replaced, in one transaction: the customer's
// names, email, phone and company; the consents' address and browser; every email sent to them
// (address, subject, bodies, sealed secrets); any error text or progress line that quoted them
// (jobs, steps, the tenant's progress and attention lines, emails' delivery errors).
// Refused while the customer has a tenant not yet destroyed: its instance may still hold their
// data and be billed. Exactly once: the customer row is locked and only a row with erasedAt still
// null is erased; the audit entry (customer.erased) keeps ids only.
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { customerEmailsWhere, type DataRightsActor } from "./export.ts";

export type EraseOutcome =
  | { kind: "erased"; customerId: string; emails: number }
  | { kind: "already-erased"; customerId: string }
  | { kind: "not-found" }
  /** Tenants not destroyed yet (their slugs): destroy them first. */
  | { kind: "live-tenants"; slugs: string[] };

/** What replaces each personal field; the email stays unique per customer. */
export const ERASED = "erased";
export function erasedEmail(customerId: string): string {
  return `erased-${customerId}@erased.invalid`;
}

export async function eraseCustomer(prisma: PrismaClient, customerId: string, actor: DataRightsActor, now: Date): Promise<EraseOutcome> {
  return prisma.$transaction((tx) => eraseInTransaction(tx, customerId, actor, now), { maxWait: 30_000, timeout: 60_000 });
}

async function eraseInTransaction(tx: Prisma.TransactionClient, customerId: string, actor: DataRightsActor, now: Date): Promise<EraseOutcome> {
  // Locked until commit: a signup updating this customer, or a tenant created for them (its
  // foreign key takes a share lock on this row), waits, then sees the erased row.
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Customer" WHERE "id" = ${customerId} FOR UPDATE`;
  if (locked.length === 0) return { kind: "not-found" };
  const customer = await tx.customer.findUniqueOrThrow({
    where: { id: customerId },
    include: { tenants: { select: { id: true, slug: true, actualState: true } } },
  });
  if (customer.erasedAt) return { kind: "already-erased", customerId };
  const live = customer.tenants.filter((t) => t.actualState !== "destroyed");
  if (live.length > 0) return { kind: "live-tenants", slugs: live.map((t) => t.slug) };

  const newEmail = erasedEmail(customer.id);
  const personal = [customer.email, customer.phone, customer.firstName, customer.lastName].filter((v) => v.trim().length > 0);
  const emailIds = (await tx.emailOutbox.findMany({ where: customerEmailsWhere(customer), select: { id: true } })).map((e) => e.id);

  await tx.customer.update({
    where: { id: customer.id },
    data: { firstName: ERASED, lastName: ERASED, company: ERASED, phone: ERASED, email: newEmail, erasedAt: now },
  });
  await tx.consent.updateMany({ where: { customerId: customer.id }, data: { ip: ERASED, userAgent: ERASED } });
  // A message not delivered yet is never delivered now: its sender (if any) loses its lease.
  await tx.emailOutbox.updateMany({
    where: { id: { in: emailIds }, status: { in: ["pending", "sending"] } },
    data: { status: "failed", leaseToken: null, lastError: "not sent: the customer's data was erased" },
  });
  await tx.emailOutbox.updateMany({
    where: { id: { in: emailIds } },
    data: { toAddress: newEmail, subject: ERASED, bodyText: "", bodyHtml: "", encrypted: false, sealedSecrets: null },
  });
  await scrubFreeText(tx, customer.tenants.map((t) => t.id), emailIds, personal);
  await writeAudit(tx, {
    ...actor,
    action: "customer.erased",
    outcome: "succeeded",
    details: { customerId: customer.id, tenants: customer.tenants.length, emails: emailIds.length },
  });
  return { kind: "erased", customerId: customer.id, emails: emailIds.length };
}

// Error texts and progress lines are written by code, not by the customer, but an engine's or a
// template's message could quote an email or a name: any such value is cut out (whole words only,
// so a short name never garbles other words).
async function scrubFreeText(tx: Prisma.TransactionClient, tenantIds: string[], emailIds: string[], values: string[]): Promise<void> {
  if (values.length === 0) return;
  const source = values.map((v) => `(?<![\\p{L}\\p{N}])${escapeRegExp(v)}(?![\\p{L}\\p{N}])`).join("|");
  const found = new RegExp(source, "iu");
  const every = new RegExp(source, "giu");
  const scrub = (text: string | null) => (text && found.test(text) ? text.replace(every, "[erased]") : null);

  for (const tenant of await tx.tenant.findMany({ where: { id: { in: tenantIds } }, select: { id: true, progress: true, attentionReason: true } })) {
    const progress = scrub(tenant.progress);
    const attentionReason = scrub(tenant.attentionReason);
    if (progress !== null || attentionReason !== null) {
      await tx.tenant.update({
        where: { id: tenant.id },
        data: { ...(progress !== null ? { progress } : {}), ...(attentionReason !== null ? { attentionReason } : {}) },
      });
    }
  }
  const jobs = await tx.provisioningJob.findMany({ where: { tenantId: { in: tenantIds } }, select: { id: true, lastError: true } });
  for (const job of jobs) {
    const lastError = scrub(job.lastError);
    if (lastError !== null) await tx.provisioningJob.update({ where: { id: job.id }, data: { lastError } });
  }
  const steps = await tx.jobStep.findMany({ where: { jobId: { in: jobs.map((j) => j.id) }, error: { not: null } }, select: { id: true, error: true } });
  for (const step of steps) {
    const error = scrub(step.error);
    if (error !== null) await tx.jobStep.update({ where: { id: step.id }, data: { error } });
  }
  // An SMTP server's refusal usually quotes the recipient ("550 <anne@…>: no such user").
  const failed = await tx.emailOutbox.findMany({ where: { id: { in: emailIds }, lastError: { not: null } }, select: { id: true, lastError: true } });
  for (const email of failed) {
    const lastError = scrub(email.lastError);
    if (lastError !== null) await tx.emailOutbox.update({ where: { id: email.id }, data: { lastError } });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
