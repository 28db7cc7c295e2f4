// Custom domains as the customer's status page and the console's tenant page show and change them
// (issue 14): the card's data (null when the feature is off: TENANT_CUSTOM_DOMAIN_TARGET unset), and
// the add/remove form's handling, with refusals turned into a sentence key of app/i18n/custom-domains.
// The rules and the audit entries are the orchestrator's (orchestrator/proxy/custom-domains.ts).
import { z } from "zod";
import type { CustomDomainActor, CustomDomainRefused } from "../../orchestrator/index.ts";
import type { DomainMessageKey } from "~/i18n/custom-domains";
import type { AppServices } from "~/services.server";

export interface CustomDomainView {
  id: string;
  hostname: string;
  status: "pending" | "active";
  lastCheckResult: string | null;
  lastCheckFound: string | null;
  lastCheckedAt: string | null;
  /** When a check first found the record pointing elsewhere: a warning on an active domain, the reason on a disabled (pending) one. */
  misconfiguredSince: string | null;
  /** An active domain still pointing elsewhere is disabled at this time unless its record is fixed first. */
  disabledAfter: string | null;
}

export interface CustomDomainCard {
  target: string;
  limit: number;
  /** Days an active domain may point elsewhere before it is disabled. */
  graceDays: number;
  domains: CustomDomainView[];
}

export type DomainFormOutcome = { ok: true; key: DomainMessageKey; values: Record<string, string | number> } | { ok: false; key: DomainMessageKey; values: Record<string, string | number> };

export async function customDomainCard(services: Pick<AppServices, "orchestrator">, tenantId: string): Promise<CustomDomainCard | null> {
  const domains = services.orchestrator.customDomains;
  if (!domains) return null;
  const rows = await domains.list(tenantId);
  return {
    target: domains.target,
    limit: await domains.limitFor(tenantId),
    graceDays: domains.misconfiguredGraceDays,
    domains: rows.map((row) => ({
      id: row.id,
      hostname: row.hostname,
      status: row.status,
      lastCheckResult: row.lastCheckResult,
      lastCheckFound: row.lastCheckError,
      lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
      misconfiguredSince: row.misconfiguredSince?.toISOString() ?? null,
      disabledAfter:
        row.status === "active" && row.misconfiguredSince ? new Date(row.misconfiguredSince.getTime() + domains.misconfiguredGraceDays * 86_400_000).toISOString() : null,
    })),
  };
}

const domainForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("add"), hostname: z.string().trim().max(300) }),
  z.object({ intent: z.literal("remove"), domainId: z.string().trim().min(1).max(100) }),
]);

/** Adds or removes a domain as the form says; null when the form is not one of ours. */
export async function applyDomainForm(
  services: Pick<AppServices, "orchestrator">,
  tenantId: string,
  values: Record<string, string>,
  actor: CustomDomainActor,
): Promise<DomainFormOutcome | null> {
  const domains = services.orchestrator.customDomains;
  const parsed = domainForm.safeParse(values);
  if (!domains || !parsed.success) return null;
  try {
    if (parsed.data.intent === "add") {
      if (!parsed.data.hostname) return { ok: false, key: "domains.refused.empty", values: {} };
      const added = await domains.add({ tenantId, hostname: parsed.data.hostname, actor });
      return { ok: true, key: added.status === "active" ? "domains.addedActive" : "domains.added", values: { hostname: added.hostname, target: domains.target } };
    }
    const removed = await domains.remove({ tenantId, domainId: parsed.data.domainId, actor });
    return { ok: true, key: "domains.removed", values: { hostname: removed.hostname } };
  } catch (error) {
    // By name, not instanceof: the portal's build bundles its own copy of the orchestrator's classes.
    if (!(error instanceof Error) || error.name !== "CustomDomainRefused" || !("refusal" in error)) throw error;
    const refusal = (error as CustomDomainRefused).refusal;
    const hostname = "hostname" in parsed.data ? parsed.data.hostname : "";
    const key: DomainMessageKey = refusal.code === "invalid" ? `domains.refused.${refusal.problem}` : `domains.refused.${refusal.code}`;
    return { ok: false, key, values: { hostname, ...(refusal.code === "limit" ? { limit: refusal.limit } : {}) } };
  }
}
