// The public trial signup: one transaction writes the customer, the trial subscription, the
// consent, the tenant and its provisioning job, or nothing at all. Its limits (signups per address
// per hour, tenants waiting for provisioning) are counted inside that transaction under advisory
// locks, so parallel signups cannot all pass the same count.
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { requestJob, writeAudit, type AuditAction } from "../../orchestrator/index.ts";
import type { SignupData } from "~/forms/signup-schema";
import type { Locale } from "~/i18n/locale";
import { FALLBACK_SLUG, firstFreeSlug, slugBase, SLUG_MAX_LENGTH } from "./slug";
import { ACTIVE_SUBSCRIPTION_STATUSES } from "./subscription.server";

export interface SignupContext {
  ip: string;
  userAgent: string;
  locale: Locale;
  /** Carried by the form: the same key twice means the same submission (double click, replay). */
  signupKey: string;
  now: Date;
  trialDays: number;
  termsVersion: string;
  rateLimitPerHour: number;
  /** Signups wait while this many provisioning jobs are queued or running (each holds a port). */
  maxPendingTenants: number;
  /** The plan a signup starts on (the catalogue's default plan): its maxTenants caps live tenants on it. Absent: no cap. */
  plan?: { id: string; maxTenants?: number | undefined };
}

export type SignupOutcome =
  | { kind: "created"; statusToken: string; tenantSlug: string }
  | { kind: "replayed"; statusToken: string }
  // Said without the plan or the tenant: whoever types an address must learn nothing about it.
  | { kind: "already-signed-up" }
  | { kind: "rate-limited"; retryAfterSeconds: number }
  | { kind: "busy"; retryAfterSeconds: number }
  // The default plan holds its maxTenants live tenants (plans.json): no new trial until one goes.
  | { kind: "plan-full" };

export class SignupFailedError extends Error {
  override name = "SignupFailedError";
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
// Concurrent signups race for the same slug or email; the loser of a unique constraint starts over
// and sees the winner's rows. Twenty simultaneous signups of one company need up to twenty rounds.
const MAX_ATTEMPTS = 40;
/** How long a signup refused because too many tenants wait is told to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 300;
// Advisory lock keys (two-int form, class then object): one per client address, one for the cap.
const LOCK_CLASS = "tenantry.signup";
const PENDING_CAP_LOCK = "pending-tenants";
/** The audit action of a signup refused because its email already has a trial or subscription. */
export const KNOWN_ADDRESS_ACTION = "trial.refused_known_address" satisfies AuditAction;

export async function registerTrialSignup(
  prisma: PrismaClient,
  data: SignupData,
  context: SignupContext,
): Promise<SignupOutcome> {
  const replay = await findSignup(prisma, context.signupKey);
  if (replay) return replay;

  // A cheap early refusal outside any transaction, so that a flood from one address does not hold
  // pool connections waiting for its lock; the count that decides is the one inside the transaction.
  const limited = await checkRateLimit(prisma, context);
  if (limited) return limited;

  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => writeSignup(tx as PrismaClient, data, context), {
        maxWait: 30_000,
        timeout: 30_000,
      });
    } catch (error) {
      if (isUniqueViolation(error) && attempt < MAX_ATTEMPTS) continue;
      throw new SignupFailedError("The trial signup could not be saved; nothing was kept.", {
        cause: error,
      });
    }
  }
}

async function findSignup(prisma: PrismaClient, signupKey: string): Promise<SignupOutcome | null> {
  const subscription = await prisma.subscription.findUnique({
    where: { signupKey },
    select: { tenant: { select: { statusToken: true } } },
  });
  return subscription?.tenant ? { kind: "replayed", statusToken: subscription.tenant.statusToken } : null;
}

// Signups per IP are counted from the consent records (each trial leaves exactly one) and from the
// audit entries of refused known addresses (each probe leaves one), so the limit needs no state of
// its own, holds across restarts and processes, and also bounds probing which addresses are customers.
async function checkRateLimit(prisma: PrismaClient, context: SignupContext): Promise<SignupOutcome | null> {
  const since = new Date(context.now.getTime() - HOUR_MS);
  const take = context.rateLimitPerHour;
  const [consents, probes] = await Promise.all([
    prisma.consent.findMany({
      where: { ip: context.ip, acceptedAt: { gt: since } },
      orderBy: { acceptedAt: "asc" },
      select: { acceptedAt: true },
      take,
    }),
    prisma.auditLog.findMany({
      where: { action: KNOWN_ADDRESS_ACTION, at: { gt: since }, details: { path: ["ip"], equals: context.ip } },
      orderBy: { at: "asc" },
      select: { at: true },
      take,
    }),
  ]);
  const attempts = [...consents.map((c) => c.acceptedAt.getTime()), ...probes.map((p) => p.at.getTime())].sort((a, b) => a - b);
  if (attempts.length < take) return null;
  const oldest = attempts[0]!;
  const retryAfterSeconds = Math.max(1, Math.ceil((oldest + HOUR_MS - context.now.getTime()) / 1000));
  return { kind: "rate-limited", retryAfterSeconds };
}

// Held until the transaction ends; PostgreSQL and PGlite both have them. hashtext() folds the
// names to the two 32-bit keys.
async function lockUntilCommit(tx: PrismaClient, name: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${LOCK_CLASS}::text), hashtext(${name}::text))`;
}

async function checkPendingCap(tx: PrismaClient, context: SignupContext): Promise<SignupOutcome | null> {
  const pending = await tx.provisioningJob.count({
    where: { kind: "provision", status: { in: ["queued", "running"] } },
  });
  return pending >= context.maxPendingTenants ? { kind: "busy", retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS } : null;
}

/**
 * True when the signup's plan already has its maxTenants live tenants: tenants not being destroyed
 * whose subscription is on the plan (the legacy "trial" value counts as the plan signups start on).
 */
async function planFull(tx: PrismaClient, context: SignupContext): Promise<boolean> {
  const max = context.plan?.maxTenants;
  if (!context.plan || max === undefined) return false;
  const live = await tx.tenant.count({
    where: { desiredState: { not: "destroyed" }, subscription: { plan: { in: [context.plan.id, "trial"] } } },
  });
  return live >= max;
}

async function writeSignup(tx: PrismaClient, data: SignupData, context: SignupContext): Promise<SignupOutcome> {
  // Counted under a lock per address: a parallel signup from it waits here until this one commits
  // (its consent then counts, and a double submit then finds its twin) or rolls back.
  await lockUntilCommit(tx, `ip:${context.ip}`);
  const replay = await findSignup(tx, context.signupKey);
  if (replay) return replay;
  const limited = await checkRateLimit(tx, context);
  if (limited) return limited;

  const existing = await tx.customer.findUnique({
    where: { email: data.email },
    include: {
      subscriptions: { where: { status: { in: [...ACTIVE_SUBSCRIPTION_STATUSES] } }, take: 1 },
      tenants: { where: { desiredState: { not: "destroyed" } }, take: 1 },
    },
  });
  if (existing?.subscriptions[0]) {
    // Recorded (and so counted by the limit above) without the customer's id: the entry says only
    // that this address typed a known email.
    await writeAudit(tx, { actorType: "public", actorId: null, action: KNOWN_ADDRESS_ACTION, outcome: "refused", details: { ip: context.ip } });
    return { kind: "already-signed-up" };
  }

  // One lock for the whole portal, taken last and only by signups that will write: the cap on
  // tenants waiting for provisioning, so one client cannot fill the port range.
  await lockUntilCommit(tx, PENDING_CAP_LOCK);
  const busy = await checkPendingCap(tx, context);
  if (busy) return busy;
  // Under the same lock: two signups cannot both take a plan's last place.
  if (await planFull(tx, context)) return { kind: "plan-full" };

  const profile = {
    firstName: data.firstName,
    lastName: data.lastName,
    company: data.company,
    phone: data.phone,
    locale: context.locale,
  };
  const customer = existing
    ? await tx.customer.update({ where: { id: existing.id }, data: profile })
    : await tx.customer.create({ data: { email: data.email, ...profile } });

  const subscription = await tx.subscription.create({
    data: {
      customerId: customer.id,
      plan: "trial",
      status: "trialing",
      trialEndsAt: new Date(context.now.getTime() + context.trialDays * DAY_MS),
      signupKey: context.signupKey,
    },
  });
  await tx.consent.create({
    data: {
      customerId: customer.id,
      subscriptionId: subscription.id,
      termsVersion: context.termsVersion,
      acceptedAt: context.now,
      ip: context.ip,
      userAgent: context.userAgent.slice(0, 512),
    },
  });

  // A returning customer whose earlier instance still exists gets it back rather than a second one.
  const previousTenant = existing?.tenants[0];
  const tenant = previousTenant
    ? await tx.tenant.update({
        where: { id: previousTenant.id },
        data: { subscriptionId: subscription.id, desiredState: "active" },
      })
    : await tx.tenant.create({
        data: {
          slug: await allocateSlug(tx, data.company),
          customerId: customer.id,
          subscriptionId: subscription.id,
          statusToken: randomBytes(32).toString("base64url"),
        },
      });

  await requestJob(tx, {
    tenantId: tenant.id,
    kind: "provision",
    requestedBy: "signup",
    audit: {
      actorType: "customer",
      actorId: customer.id,
      action: previousTenant ? "trial.renewed" : "trial.created",
      outcome: "succeeded",
      details: { slug: tenant.slug, plan: subscription.plan, ip: context.ip },
    },
  });
  return { kind: "created", statusToken: tenant.statusToken, tenantSlug: tenant.slug };
}

// Reads the slugs already taken with this base; the unique index on Tenant.slug settles any race
// (the loser's transaction starts over and sees the winner's slug).
async function allocateSlug(tx: PrismaClient, company: string): Promise<string> {
  const root = slugBase(company) || FALLBACK_SLUG;
  // Every candidate firstFreeSlug can return (root, or root shortened to fit a suffix up to "-999")
  // starts with this stem.
  const stem = root.slice(0, SLUG_MAX_LENGTH - 5);
  const taken = await tx.tenant.findMany({ where: { slug: { startsWith: stem } }, select: { slug: true } });
  const takenSet = new Set(taken.map((t) => t.slug));
  return firstFreeSlug(root, (slug) => takenSet.has(slug));
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}
