// What the public status page shows: the trial and the progress of the tenant's latest job, in
// public terms only. The tenant's progress line and the steps' errors carry engine and Portainer
// messages and container log lines: they stay in the console and are never selected here. Steps
// are named by a key of app/i18n/messages.ts ("stepName.…"), not by their internal names.
import type { PrismaClient } from "../../prisma/generated/client.ts";
import { FIRST_PORT_LEASE, tenantAddress } from "./tenant-address.server";

const KNOWN_STEPS = new Set([
  "reserve",
  "deploy",
  "create-initial-user",
  "activate",
  "stop",
  "start",
  "restart",
  "remove",
  "release",
  "set-password",
  "send",
  "health",
  "start-database",
  "dump",
  "backup",
  "pre-restore-backup",
  "pre-upgrade-backup",
  "pre-termination-backup",
  "apply-limits",
  "verify",
  "load",
  "record",
  "prepare",
  "replace",
]);

export type PublicStepKey = `stepName.${string}`;

/** The plain-words message key of an internal step name (readiness checks share one). */
export function publicStepKey(name: string): PublicStepKey {
  if (name.startsWith("ready:")) return "stepName.ready";
  // Caddy's route steps (route:app, route:suspended, route:none): one sentence each.
  if (/^route:(app|suspended|none)$/.test(name)) return `stepName.route-${name.slice("route:".length)}`;
  return KNOWN_STEPS.has(name) ? `stepName.${name}` : "stepName.other";
}

/** `tenantUrl`: TENANT_URL's template; the instance's address is shown once it is active. */
export async function findTrialStatus(prisma: PrismaClient, statusToken: string, tenantUrl: string) {
  const tenant = await prisma.tenant.findUnique({
    where: { statusToken },
    select: {
      slug: true,
      actualState: true,
      portLeases: FIRST_PORT_LEASE,
      customer: { select: { firstName: true, company: true } },
      subscription: { select: { plan: true, status: true, trialEndsAt: true } },
      jobs: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { steps: { orderBy: { position: "asc" }, select: { name: true, status: true } } },
      },
    },
  });
  if (!tenant) return null;
  const { jobs, portLeases, ...rest } = tenant;
  const steps = (jobs[0]?.steps ?? []).map((step) => ({ id: step.name, label: publicStepKey(step.name), status: step.status }));
  const address = tenant.actualState === "active" ? tenantAddress(tenantUrl, tenant) : null;
  return { ...rest, steps, address };
}

export type TrialStatus = NonNullable<Awaited<ReturnType<typeof findTrialStatus>>>;
