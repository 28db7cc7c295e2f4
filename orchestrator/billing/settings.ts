// Billing settings (issue 12), passed in by the portal (app/config.server.ts validates them: Stripe's
// keys, the API's address, the grace days, the trial's hand-over). Without `stripe`
// the portal runs trial-only: no checkout, the webhook answers 404, the console says so.

/** Stripe's keys and, for a local double, where the SDK sends its calls (host, port, protocol). */
export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Where the SDK sends its calls, e.g. http://127.0.0.1:12111 (a local double); absent: Stripe's own API. */
  api?: { protocol: "http" | "https"; host: string; port: number };
}

export type TrialHandoff = "remaining-days" | "none";

export interface BillingSettings {
  /** Absent: trial-only (no Stripe settings). */
  stripe?: StripeSettings;
  /** Days a failed payment leaves the tenant running (past_due) before it is suspended (default 7). */
  graceDays: number;
  /** remaining-days: Checkout hands Stripe what is left of our trial (when ≥ 48 h); none: billing starts at once. */
  trialHandoff: TrialHandoff;
}

export function defaultBillingSettings(): BillingSettings {
  return { graceDays: 7, trialHandoff: "remaining-days" };
}
