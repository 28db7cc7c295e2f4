// The billing state machine, pure: from a subscription's current billing fields and what Stripe says
// (a subscription snapshot, or an invoice paid or failed), the fields to write, our status's
// transition and what the tenant must do (suspend, resume or nothing). Every value written derives
// from the event (its `created` time, the object's fields) and never from the time it is received,
// so the same events applied in any order end in the same state (older ones are dropped as stale by
// the caller: stripeStateAt).
import type { SubscriptionStatus } from "../../prisma/generated/client.ts";

export const DAY_MS = 86_400_000;

/** What we keep of a subscription's billing state. */
export interface BillingRow {
  status: SubscriptionStatus;
  stripeStatus: string | null;
  stripeStateAt: Date | null;
  pastDueSince: Date | null;
  graceEndsAt: Date | null;
  endedAt: Date | null;
}

/** What a Stripe subscription object says, in our terms. */
export interface StripeSubscriptionView {
  subscriptionId: string;
  customerId: string | null;
  status: string;
  priceId: string | null;
  interval: "month" | "year" | null;
  /** The price's amount per interval, in the currency's smallest unit, and its currency. */
  amount: number | null;
  currency: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  endedAt: Date | null;
}

/** What the event itself says beyond the status word (keeps the result independent of arrival order). */
export interface EventFacts {
  /** The Stripe subscription's ended_at. */
  endedAt?: Date | null;
  /** The failed invoice's own creation time: every retry of one invoice starts the same grace. */
  failedInvoiceCreated?: Date | null;
}

export type TenantEffect = "suspend" | "resume" | null;

/** The transitions of our status that are recorded (audit) and told (email). */
export type Transition = "activated" | "past_due" | "suspended" | "canceled";

export interface Decision {
  data: Partial<BillingRow>;
  transition: Transition | null;
  tenant: TenantEffect;
}

/** Our statuses in which the tenant is kept suspended for billing (a payment resumes it). */
const UNPAID: readonly SubscriptionStatus[] = ["expired", "suspended", "canceled"];

/** True when an event created at `at` is older than the state already applied (it changes nothing). */
export function isStale(row: Pick<BillingRow, "stripeStateAt">, at: Date): boolean {
  return row.stripeStateAt !== null && at.getTime() < row.stripeStateAt.getTime();
}

/**
 * Moves the row to what Stripe's status word says as of `at`:
 * active/trialing → active (grace cleared; a tenant suspended for billing resumes; Stripe's
 * trialing is a subscription whose billing starts at our trial's end: the customer has subscribed);
 * past_due → past_due with a grace of `graceDays` from the first failure (a row already suspended
 * because its grace ended stays suspended); unpaid/paused → suspended; canceled/incomplete_expired →
 * canceled (tenant suspended, termination counted from endedAt); incomplete and unknown words
 * change only stripeStatus.
 */
export function decide(row: BillingRow, stripeStatus: string, at: Date, graceDays: number, facts: EventFacts = {}): Decision {
  const base: Partial<BillingRow> = { stripeStatus, stripeStateAt: at };
  switch (stripeStatus) {
    case "active":
    case "trialing": {
      const data = { ...base, status: "active" as const, pastDueSince: null, graceEndsAt: null, endedAt: null };
      if (row.status === "active") return { data, transition: null, tenant: null };
      return { data, transition: "activated", tenant: UNPAID.includes(row.status) ? "resume" : null };
    }
    case "past_due": {
      if (row.status === "suspended") return { data: base, transition: null, tenant: null };
      const pastDueSince = row.status === "past_due" && row.pastDueSince ? row.pastDueSince : (facts.failedInvoiceCreated ?? at);
      const graceEndsAt = row.status === "past_due" && row.graceEndsAt ? row.graceEndsAt : new Date(pastDueSince.getTime() + graceDays * DAY_MS);
      const data = { ...base, status: "past_due" as const, pastDueSince, graceEndsAt };
      if (row.status === "past_due") return { data, transition: null, tenant: null };
      // The grace starts: the tenant runs during it (one suspended after its trial expired, whose
      // customer then subscribed, runs again until the grace ends).
      return { data, transition: "past_due", tenant: UNPAID.includes(row.status) ? "resume" : null };
    }
    case "unpaid":
    case "paused": {
      const data = { ...base, status: "suspended" as const };
      if (row.status === "suspended") return { data, transition: null, tenant: null };
      return { data, transition: "suspended", tenant: "suspend" };
    }
    case "canceled":
    case "incomplete_expired": {
      // Ended: no grace any more (the termination counts from endedAt).
      const data = { ...base, status: "canceled" as const, pastDueSince: null, graceEndsAt: null, endedAt: row.status === "canceled" && row.endedAt ? row.endedAt : (facts.endedAt ?? at) };
      if (row.status === "canceled") return { data, transition: null, tenant: null };
      return { data, transition: "canceled", tenant: "suspend" };
    }
    default:
      return { data: base, transition: null, tenant: null };
  }
}

/**
 * An invoice event as a status word: paid → active, failed → past_due; null when it must change
 * nothing (the subscription has ended: a final invoice paid or failed does not bring it back).
 */
export function invoiceStatus(row: BillingRow, paid: boolean): string | null {
  if (row.status === "canceled" || row.stripeStatus === "canceled" || row.stripeStatus === "incomplete_expired") return null;
  return paid ? "active" : "past_due";
}

/** The grace over as of `asOf`: the billing task suspends. */
export function graceOver(row: Pick<BillingRow, "status" | "graceEndsAt">, asOf: Date): boolean {
  return row.status === "past_due" && row.graceEndsAt !== null && row.graceEndsAt.getTime() <= asOf.getTime();
}
