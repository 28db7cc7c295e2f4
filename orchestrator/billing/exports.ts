// What the portal may use of billing (issue 12), re-exported by orchestrator/index.ts: the settings it
// passes in, and the types of what the billing service answers (webhook outcome, console overview).
export { defaultBillingSettings, type BillingSettings, type StripeSettings, type TrialHandoff } from "./settings.ts";
export type { BillingService } from "./service.ts";
export type { WebhookAnswer } from "./webhook.ts";
export type { ApplyResult } from "./apply.ts";
export type { BillingActor } from "./billing-effects.ts";
export { monthlyEquivalent, weekStart, type BillingOverview, type SubscriptionBillingState } from "./console.ts";
