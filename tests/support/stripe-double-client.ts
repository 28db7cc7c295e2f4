// Tenantry's own Stripe client (orchestrator/billing/stripe-api.ts) pointed at the Stripe API
// double (tests/stripe-double/), configured as a portal with STRIPE_API_URL set to the double is
// (grace 7 days, no trial handed over), for the tests that make the account page's call themselves
// against the double the portal under test also uses; and a Checkout paid at the double, whose
// signed events reach that portal's webhook. One construction instead of one per test file.
import { stripeApi, type CheckoutRequest, type StripeApi } from "../../orchestrator/billing/stripe-api.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { loadPlans } from "../../orchestrator/plans/index.ts";
import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { StripeDouble } from "../stripe-double/server.ts";

/** The client on the portal's database (`prisma`), with the plans of `plansFile` (the portal's PLANS_FILE). */
export function stripeApiOnDouble(options: { prisma: PrismaClient; double: StripeDouble; plansFile: string }): StripeApi {
  const { double } = options;
  const url = new URL(double.url);
  return stripeApi({
    prisma: options.prisma,
    clock: systemClock,
    logger: silentLogger,
    billing: { stripe: { secretKey: double.secretKey, webhookSecret: double.webhookSecret, api: { protocol: "http", host: url.hostname, port: Number(url.port) } }, graceDays: 7, trialHandoff: "none" },
    plans: loadPlans(options.plansFile),
  });
}

/**
 * A Checkout session asked through `api` (as the account page asks it), then paid at the double
 * as the customer's "Pay" would; returns the Stripe ids and the HTTP status of every webhook
 * delivery that payment caused (customer.created, checkout.session.completed,
 * customer.subscription.created, invoice.paid: four, each 200 when the portal accepted it).
 */
export async function payThroughCheckout(api: StripeApi, double: StripeDouble, request: CheckoutRequest) {
  const session = await api.createCheckoutSession(request);
  const before = double.deliveries.length;
  const paid = await double.completeCheckout(session.id);
  return { subscriptionId: paid.subscriptionId, customerId: paid.customerId, deliveries: double.deliveries.slice(before).map((d) => d.status) };
}
