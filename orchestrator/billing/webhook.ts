// The Stripe webhook (POST /webhooks/stripe): the signature is checked on the raw body with Stripe's
// own library (a bad or stale one is a 400 and nothing is written), then, in one transaction, the
// event's id is inserted into StripeEvent (a replay finds it there and changes nothing) and the event
// is applied (apply.ts) with its jobs, audit entries and emails. Handled: checkout.session.completed,
// customer.subscription.created|updated|deleted, invoice.paid, invoice.payment_failed; any other type
// is stored as ignored. Events are ordered by their `created` time (stripeStateAt), not by arrival.
import Stripe from "stripe";
import type { Prisma } from "../../prisma/generated/client.ts";
import { applyCheckoutInTx, applyInvoiceInTx, applySnapshotInTx, findSubscription, viewOf, type ApplyResult } from "./apply.ts";
import { STRIPE_ACTOR, type BillingDeps } from "./billing-effects.ts";

export interface WebhookAnswer {
  status: 200 | 400 | 404;
  body: { received: true; outcome: string } | { error: string };
}

/** Seconds a signature stays valid (Stripe's own default). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === "string" ? value : (value?.id ?? null));

export async function receiveStripeWebhook(deps: BillingDeps, rawBody: string, signature: string | null): Promise<WebhookAnswer> {
  const stripe = deps.settings.stripe;
  if (!stripe) return { status: 404, body: { error: "Billing is not configured: this portal runs trial-only and takes no Stripe events." } };
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature ?? "", stripe.webhookSecret, SIGNATURE_TOLERANCE_SECONDS, undefined, deps.clock.now().getTime());
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    deps.logger.warn("Stripe webhook refused: its signature does not verify", { reason });
    return { status: 400, body: { error: `Webhook signature verification failed: ${reason}` } };
  }
  const at = new Date(event.created * 1000);
  const outcome = await deps.prisma.$transaction(
    async (tx) => {
      const inserted = await tx.stripeEvent.createMany({ data: [{ id: event.id, type: event.type, createdAt: at, outcome: "received" }], skipDuplicates: true });
      if (inserted.count === 0) return "replayed";
      const result = await applyEvent(tx, deps, event, at);
      await tx.stripeEvent.update({ where: { id: event.id }, data: { outcome: result.outcome, subscriptionId: result.subscriptionId } });
      return result.outcome;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
  deps.logger.info("Stripe event", { id: event.id, type: event.type, outcome });
  return { status: 200, body: { received: true, outcome } };
}

async function applyEvent(tx: Prisma.TransactionClient, deps: BillingDeps, event: Stripe.Event, at: Date): Promise<ApplyResult> {
  switch (event.type) {
    case "checkout.session.completed": {
      const session = event.data.object;
      if (session.mode !== "subscription") return { outcome: "ignored: not a subscription checkout", subscriptionId: null };
      const id = await findSubscription(tx, null, session.client_reference_id);
      if (!id) return { outcome: "unmatched", subscriptionId: null };
      return applyCheckoutInTx(tx, deps, id, { stripeSubscriptionId: idOf(session.subscription), customerId: idOf(session.customer) }, at, STRIPE_ACTOR);
    }
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted": {
      const subscription = event.data.object;
      const id = await findSubscription(tx, subscription.id, subscription.metadata?.tenantrySubscriptionId);
      if (!id) return { outcome: "unmatched", subscriptionId: null };
      return applySnapshotInTx(tx, deps, id, viewOf(subscription), at, STRIPE_ACTOR);
    }
    case "invoice.paid":
    case "invoice.payment_failed": {
      const invoice = event.data.object;
      const details = invoice.parent?.subscription_details ?? null;
      // Older API versions carried the subscription on the invoice itself.
      const stripeSubscriptionId = idOf(details?.subscription) ?? idOf((invoice as unknown as { subscription?: string | { id: string } | null }).subscription);
      if (!stripeSubscriptionId) return { outcome: "ignored: not a subscription's invoice", subscriptionId: null };
      const id = await findSubscription(tx, stripeSubscriptionId, details?.metadata?.tenantrySubscriptionId);
      if (!id) return { outcome: "unmatched", subscriptionId: null };
      return applyInvoiceInTx(
        tx,
        deps,
        id,
        {
          paid: event.type === "invoice.paid",
          stripeSubscriptionId,
          customerId: idOf(invoice.customer),
          invoiceCreated: new Date(invoice.created * 1000),
          ...(invoice.hosted_invoice_url ? { payUrl: invoice.hosted_invoice_url } : {}),
        },
        at,
        STRIPE_ACTOR,
      );
    }
    default:
      return { outcome: "ignored", subscriptionId: null };
  }
}
