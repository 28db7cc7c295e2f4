// One pass of the custom-domains task (issue 14), as of the run's time: every pending domain of a
// live tenant is checked (one pointing at the target turns active), then every active domain that
// is due for a re-check (last checked ACTIVE_RECHECK_MS ago or more, or marked as pointing
// elsewhere: those every pass, so a fix or the grace's end is seen within one period). What each
// check changes, exactly once, is custom-domain-check.ts's; a pass run twice changes nothing more.
import type { Prisma } from "../../prisma/generated/client.ts";
import { checkDomainOnce } from "./custom-domain-check.ts";
import { recheckCutoff } from "./custom-domain-recheck.ts";
import type { CustomDomainDeps } from "./custom-domains.ts";

export type CustomDomainPassSummary = {
  /** Pending domains checked, enabled, left pending. */
  checked: number;
  activated: number;
  stillPending: number;
  /** Active domains checked again, newly marked as pointing elsewhere, set back, disabled. */
  rechecked: number;
  misconfigured: number;
  fixed: number;
  disabled: number;
};

const LIVE_TENANT: Prisma.CustomDomainWhereInput = { tenant: { desiredState: { not: "destroyed" }, actualState: { notIn: ["destroying", "destroyed"] } } };

export async function runCustomDomainPass(deps: CustomDomainDeps, asOf: Date, signal: AbortSignal): Promise<CustomDomainPassSummary> {
  const summary: CustomDomainPassSummary = { checked: 0, activated: 0, stillPending: 0, rechecked: 0, misconfigured: 0, fixed: 0, disabled: 0 };
  // Both lists first: a domain disabled by this pass is not checked again as pending in it.
  const pending = await deps.prisma.customDomain.findMany({ where: { status: "pending", ...LIVE_TENANT }, select: { id: true }, orderBy: { createdAt: "asc" } });
  const due = await deps.prisma.customDomain.findMany({
    where: {
      status: "active",
      ...LIVE_TENANT,
      OR: [{ misconfiguredSince: { not: null } }, { lastCheckedAt: null }, { lastCheckedAt: { lte: recheckCutoff(asOf) } }],
    },
    select: { id: true },
    orderBy: { lastCheckedAt: { sort: "asc", nulls: "first" } },
  });
  for (const { id } of pending) {
    signal.throwIfAborted();
    const checked = await checkDomainOnce(deps, id, asOf);
    if (!checked) continue;
    summary.checked++;
    if (checked.outcome === "activated") summary.activated++;
    else summary.stillPending++;
  }
  for (const { id } of due) {
    signal.throwIfAborted();
    const checked = await checkDomainOnce(deps, id, asOf);
    if (!checked) continue;
    summary.rechecked++;
    if (checked.outcome === "marked") summary.misconfigured++;
    if (checked.outcome === "cleared") summary.fixed++;
    if (checked.outcome === "disabled") summary.disabled++;
  }
  return summary;
}
