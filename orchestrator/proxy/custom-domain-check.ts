// One DNS check of one custom domain (issue 14), as of a time, and what it changes. A pending domain
// pointing at the target turns active (once: a conditional update with its audit entry, system
// actor) and joins its tenant's route; this also clears the mark of a domain that had been disabled
// for pointing elsewhere. An active domain's check goes through recheckDecision
// (custom-domain-recheck.ts): first seen elsewhere → marked (still served), pointing back → mark
// cleared, elsewhere for the whole grace → disabled (pending again, out of the route, the ask says
// no, the customer emailed once); each a conditional update on the row as read, with its audit
// entry (and email) in the same transaction. A failed lookup only records its result.
import type { CustomDomain } from "../../prisma/generated/client.ts";
import { writeAudit } from "../audit/audit-log.ts";
import { checkDomainDns, type DnsCheckResult } from "./custom-domain-dns.ts";
import { MISCONFIGURED_GRACE_DAYS, recheckDecision } from "./custom-domain-recheck.ts";
import { queueDomainDisabledEmail } from "./custom-domain-mail.ts";
import { refreshRouteQuietly } from "./custom-domain-route.ts";
import type { CustomDomainDeps } from "./custom-domains.ts";

/** What one check did: a pending domain activated or left pending; an active one recorded, marked, cleared or disabled. */
export type CheckOutcome = "activated" | "pending" | "recorded" | "marked" | "cleared" | "disabled";

/**
 * Checks one domain's DNS as of `at` and applies what it means; null when the domain no longer
 * exists. The row after the check and what happened.
 */
export async function checkDomainOnce(deps: CustomDomainDeps, domainId: string, at: Date): Promise<{ row: CustomDomain; outcome: CheckOutcome } | null> {
  const row = await deps.prisma.customDomain.findUnique({ where: { id: domainId } });
  if (!row) return null;
  const check = await checkDomainDns(row.hostname, deps.settings.target, { servers: deps.settings.dnsServers });
  const outcome = row.status === "active" ? await applyRecheck(deps, row, check, at) : await applyPendingCheck(deps, row, check, at);
  const after = await deps.prisma.customDomain.findUnique({ where: { id: row.id } });
  return after ? { row: after, outcome } : null;
}

/** Checks one domain now (the portal's add, the service's check); null when it no longer exists. */
export async function checkCustomDomain(deps: CustomDomainDeps, domainId: string, at: Date = deps.clock.now()): Promise<CustomDomain | null> {
  return (await checkDomainOnce(deps, domainId, at))?.row ?? null;
}

async function applyPendingCheck(deps: CustomDomainDeps, row: CustomDomain, check: DnsCheckResult, at: Date): Promise<CheckOutcome> {
  const recorded = recordedCheck(check, at);
  if (check.result !== "points_at_target") {
    await deps.prisma.customDomain.updateMany({ where: { id: row.id }, data: recorded });
    return "pending";
  }
  const activated = await deps.prisma.$transaction(async (tx) => {
    const changed = await tx.customDomain.updateMany({ where: { id: row.id, status: "pending" }, data: { ...recorded, status: "active", verifiedAt: at, misconfiguredSince: null } });
    if (changed.count === 0) return false;
    await writeAudit(tx, {
      actorType: "system",
      actorId: null,
      action: "domain.activated",
      outcome: "succeeded",
      tenantId: row.tenantId,
      details: { hostname: row.hostname, found: check.found, ...(row.misconfiguredSince ? { afterDisabled: true } : {}) },
    });
    return true;
  });
  if (!activated) return "pending";
  deps.logger.info("custom domain points at the target: active", { hostname: row.hostname });
  await refreshRouteQuietly(deps, row.tenantId);
  return "activated";
}

async function applyRecheck(deps: CustomDomainDeps, row: CustomDomain, check: DnsCheckResult, at: Date): Promise<CheckOutcome> {
  const recorded = recordedCheck(check, at);
  const decision = recheckDecision(row, check.result, at);
  if (decision.kind === "record") {
    await deps.prisma.customDomain.updateMany({ where: { id: row.id }, data: recorded });
    return "recorded";
  }
  const found = check.result === "points_at_target" || check.result === "points_elsewhere" ? check.found : null;
  // The row as it was read: a concurrent pass that already applied this decision makes this one a no-op.
  const asRead = { id: row.id, status: "active" as const, misconfiguredSince: row.misconfiguredSince };
  const applied = await deps.prisma.$transaction(async (tx) => {
    const data =
      decision.kind === "mark" ? { ...recorded, misconfiguredSince: decision.since }
      : decision.kind === "clear" ? { ...recorded, misconfiguredSince: null }
      : { ...recorded, status: "pending" as const };
    const changed = await tx.customDomain.updateMany({ where: asRead, data });
    if (changed.count === 0) return false;
    const since = (decision.kind === "mark" ? decision.since : row.misconfiguredSince!).toISOString();
    await writeAudit(tx, {
      actorType: "system",
      actorId: null,
      action: decision.kind === "mark" ? "domain.misconfigured" : decision.kind === "clear" ? "domain.record_fixed" : "domain.disabled",
      outcome: "succeeded",
      tenantId: row.tenantId,
      details: {
        hostname: row.hostname,
        result: check.result,
        found,
        target: deps.settings.target,
        misconfiguredSince: since,
        ...(decision.kind === "disable" ? { graceDays: MISCONFIGURED_GRACE_DAYS } : {}),
      },
    });
    if (decision.kind === "disable") {
      await queueDomainDisabledEmail(tx, deps, { id: row.id, tenantId: row.tenantId, hostname: row.hostname, misconfiguredSince: row.misconfiguredSince!, found });
    }
    return true;
  });
  if (!applied) {
    await deps.prisma.customDomain.updateMany({ where: { id: row.id }, data: recorded });
    return "recorded";
  }
  if (decision.kind === "mark") {
    deps.logger.warn("active custom domain no longer points at the target: still served during the grace", { hostname: row.hostname, result: check.result });
    return "marked";
  }
  if (decision.kind === "clear") {
    deps.logger.info("custom domain points at the target again", { hostname: row.hostname });
    return "cleared";
  }
  deps.logger.warn("custom domain pointed elsewhere for the whole grace: disabled until its record is fixed", { hostname: row.hostname, graceDays: MISCONFIGURED_GRACE_DAYS });
  await refreshRouteQuietly(deps, row.tenantId);
  return "disabled";
}

function recordedCheck(check: DnsCheckResult, at: Date) {
  return { lastCheckedAt: at, lastCheckResult: check.result, lastCheckError: detailOf(check) };
}

function detailOf(check: DnsCheckResult): string | null {
  if (check.result === "lookup_failed") return check.error.slice(0, 500);
  if (check.result === "no_record") return null;
  return check.found.slice(0, 500);
}
