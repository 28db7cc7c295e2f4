// The billing service the portal reaches through orchestrator.billing (issue 12): the webhook, the one
// way in for a subscription retrieved from Stripe (applySubscriptionSnapshot), what the console shows,
// and the `billing` scheduled task. Whether Stripe is configured is said here (trial-only otherwise).
import type Stripe from "stripe";
import { applySubscriptionSnapshot, type ApplyResult } from "./apply.ts";
import type { BillingActor, BillingDeps } from "./billing-effects.ts";
import { billingTask } from "./billing-task.ts";
import { billingOverview, subscriptionBillingState, type BillingOverview, type SubscriptionBillingState } from "./console.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { receiveStripeWebhook, type WebhookAnswer } from "./webhook.ts";

export interface BillingService {
  /** False: no Stripe settings, the portal runs trial-only (the console says so). */
  readonly stripeConfigured: boolean;
  readonly graceDays: number;
  /** POST /webhooks/stripe: the raw body and the Stripe-Signature header. */
  receiveWebhook(rawBody: string, signature: string | null): Promise<WebhookAnswer>;
  /** A subscription retrieved from Stripe, applied as of now by the one writer of billing state. */
  applySubscriptionSnapshot(snapshot: Stripe.Subscription, actor: BillingActor): Promise<ApplyResult>;
  subscriptionState(subscriptionId: string): Promise<SubscriptionBillingState | null>;
  overview(weeks?: number): Promise<BillingOverview>;
  task(): ScheduledTask;
}

export function billingService(deps: BillingDeps): BillingService {
  return {
    stripeConfigured: deps.settings.stripe !== undefined,
    graceDays: deps.settings.graceDays,
    receiveWebhook: (rawBody, signature) => receiveStripeWebhook(deps, rawBody, signature),
    applySubscriptionSnapshot: (snapshot, actor) => applySubscriptionSnapshot(deps, snapshot, { actor }),
    subscriptionState: (subscriptionId) => subscriptionBillingState(deps.prisma, subscriptionId),
    overview: (weeks) => billingOverview(deps.prisma, deps.clock.now(), weeks),
    task: () => billingTask(deps),
  };
}
