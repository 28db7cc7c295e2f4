// The billing state machine (orchestrator/billing/stripe-state.ts), pure: our status and the tenant's
// effect for each Stripe status word from each of our statuses; the grace counted from the first
// failure (and from the failed invoice when known), kept through retries; staleness; the billing
// task's last-reminder window; the console's month equivalent and weeks.
import { describe, expect, it } from "vitest";
import { lastReminderDue } from "../../orchestrator/billing/billing-task.ts";
import { monthlyEquivalent, weekStart } from "../../orchestrator/billing/console.ts";
import { decide, graceOver, invoiceStatus, isStale, type BillingRow } from "../../orchestrator/billing/stripe-state.ts";

const DAY = 86_400_000;
const at = new Date("2027-02-01T10:00:00Z");
const row = (status: BillingRow["status"], extra: Partial<BillingRow> = {}): BillingRow => ({
  status, stripeStatus: null, stripeStateAt: null, pastDueSince: null, graceEndsAt: null, endedAt: null, ...extra,
});

describe("decide", () => {
  it.each([
    ["trialing", "active", "active", "activated", null],
    ["trialing", "trialing", "active", "activated", null],
    ["expired", "active", "active", "activated", "resume"],
    ["suspended", "active", "active", "activated", "resume"],
    ["canceled", "active", "active", "activated", "resume"],
    ["past_due", "active", "active", "activated", null],
    ["active", "active", "active", null, null],
    ["active", "past_due", "past_due", "past_due", null],
    ["suspended", "past_due", "suspended", null, null],
    ["active", "unpaid", "suspended", "suspended", "suspend"],
    ["active", "paused", "suspended", "suspended", "suspend"],
    ["active", "canceled", "canceled", "canceled", "suspend"],
    ["past_due", "incomplete_expired", "canceled", "canceled", "suspend"],
    ["canceled", "canceled", "canceled", null, null],
    ["trialing", "incomplete", "trialing", null, null],
  ] as const)("from %s, Stripe's %s: %s (transition %s, tenant %s)", (from, word, status, transition, tenant) => {
    const decision = decide(row(from), word, at, 7);
    expect(decision.data.status ?? from).toBe(status);
    expect(decision.transition).toBe(transition);
    expect(decision.tenant).toBe(tenant);
    expect(decision.data).toMatchObject({ stripeStatus: word, stripeStateAt: at });
  });

  it("starts the grace at the failed invoice, keeps it through retries, clears it when paid or ended", () => {
    const invoiceAt = new Date(at.getTime() - 3_600_000);
    const first = decide(row("active"), "past_due", at, 7, { failedInvoiceCreated: invoiceAt });
    expect(first.data).toMatchObject({ pastDueSince: invoiceAt, graceEndsAt: new Date(invoiceAt.getTime() + 7 * DAY) });
    const retried = decide(row("past_due", first.data), "past_due", new Date(at.getTime() + 3 * DAY), 7, { failedInvoiceCreated: new Date(at.getTime() + 3 * DAY) });
    expect(retried.data).toMatchObject({ pastDueSince: invoiceAt, graceEndsAt: new Date(invoiceAt.getTime() + 7 * DAY) });
    expect(decide(row("past_due", first.data), "active", at, 7).data).toMatchObject({ pastDueSince: null, graceEndsAt: null });
    const ended = new Date(at.getTime() + DAY);
    expect(decide(row("past_due", first.data), "canceled", at, 7, { endedAt: ended }).data).toMatchObject({ pastDueSince: null, graceEndsAt: null, endedAt: ended });
  });

  it("treats invoices as status words, but not once the subscription has ended", () => {
    expect(invoiceStatus(row("past_due"), true)).toBe("active");
    expect(invoiceStatus(row("active"), false)).toBe("past_due");
    expect(invoiceStatus(row("canceled"), true)).toBeNull();
    expect(invoiceStatus(row("active", { stripeStatus: "canceled" }), false)).toBeNull();
  });

  it("drops only what is strictly older than the state applied", () => {
    expect(isStale(row("active"), at)).toBe(false);
    expect(isStale(row("active", { stripeStateAt: at }), at)).toBe(false);
    expect(isStale(row("active", { stripeStateAt: at }), new Date(at.getTime() - 1000))).toBe(true);
  });

  it("ends the grace at graceEndsAt, for past_due only", () => {
    const graceEndsAt = new Date(at.getTime() + DAY);
    expect(graceOver(row("past_due", { graceEndsAt }), at)).toBe(false);
    expect(graceOver(row("past_due", { graceEndsAt }), graceEndsAt)).toBe(true);
    expect(graceOver(row("active", { graceEndsAt }), graceEndsAt)).toBe(false);
  });
});

describe("the billing task's last reminder and the console's figures", () => {
  it("reminds in the last day of a grace longer than a day, never after its end", () => {
    const grace = { pastDueSince: at, graceEndsAt: new Date(at.getTime() + 7 * DAY) };
    expect(lastReminderDue(grace, new Date(at.getTime() + 5 * DAY))).toBe(false);
    expect(lastReminderDue(grace, new Date(at.getTime() + 6 * DAY))).toBe(true);
    expect(lastReminderDue(grace, grace.graceEndsAt)).toBe(false);
    expect(lastReminderDue({ pastDueSince: at, graceEndsAt: new Date(at.getTime() + DAY) }, new Date(at.getTime() + 3_600_000))).toBe(false);
  });

  it("counts a yearly price as a twelfth a month, and weeks from Monday (UTC)", () => {
    expect(monthlyEquivalent(4900, "month")).toBe(4900);
    expect(monthlyEquivalent(49000, "year")).toBe(4083);
    expect(weekStart(new Date("2027-02-07T23:59:00Z"))).toEqual(new Date("2027-02-01T00:00:00Z"));
    expect(weekStart(new Date("2027-02-08T00:00:00Z"))).toEqual(new Date("2027-02-08T00:00:00Z"));
  });
});
