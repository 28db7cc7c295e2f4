// What a DNS check means for a custom domain that is (or was) active (issue 14, follow-up): an active
// domain is checked again every few hours; one whose record points elsewhere (or has vanished) is
// marked with when that was first seen and keeps serving (a DNS blip must not take a customer
// offline); after a grace of continuous misconfiguration it is disabled (pending again, the mark
// kept, so the pending pass enables it by itself once the record is fixed); a record set back in
// time clears the mark. A failed lookup (resolver down) decides nothing. Pure: custom-domains.ts
// applies the decision with conditional updates, audit entries and the customer's email.
import type { DnsCheckResult } from "./custom-domain-dns.ts";

/** How often an active domain's record is checked again (by its lastCheckedAt); a marked one, every pass. */
export const ACTIVE_RECHECK_MS = 6 * 3_600_000;

/** How long an active domain may point elsewhere before it is disabled. */
export const MISCONFIGURED_GRACE_DAYS = 7;
export const MISCONFIGURED_GRACE_MS = MISCONFIGURED_GRACE_DAYS * 86_400_000;

export type RecheckDecision =
  /** Only the check's result is recorded. */
  | { kind: "record" }
  /** First seen pointing elsewhere: marked with `since`, still served. */
  | { kind: "mark"; since: Date }
  /** Points at the target again: the mark is cleared. */
  | { kind: "clear" }
  /** Pointed elsewhere for the whole grace: disabled (out of Caddy, the ask says no, the customer told). */
  | { kind: "disable" };

/** What a check of an active domain leads to, as of `at`. */
export function recheckDecision(
  domain: { misconfiguredSince: Date | null },
  result: DnsCheckResult["result"],
  at: Date,
  graceMs: number = MISCONFIGURED_GRACE_MS,
): RecheckDecision {
  if (result === "lookup_failed") return { kind: "record" };
  if (result === "points_at_target") return domain.misconfiguredSince ? { kind: "clear" } : { kind: "record" };
  if (!domain.misconfiguredSince) return { kind: "mark", since: at };
  return at.getTime() - domain.misconfiguredSince.getTime() >= graceMs ? { kind: "disable" } : { kind: "record" };
}

/** Active domains last checked at or before this are due for a re-check (marked ones always are). */
export function recheckCutoff(at: Date, intervalMs: number = ACTIVE_RECHECK_MS): Date {
  return new Date(at.getTime() - intervalMs);
}

/** When a marked domain is disabled unless its record is fixed first (shown to the customer). */
export function disabledAfter(misconfiguredSince: Date, graceMs: number = MISCONFIGURED_GRACE_MS): Date {
  return new Date(misconfiguredSince.getTime() + graceMs);
}
