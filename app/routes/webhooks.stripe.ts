// POST /webhooks/stripe (issue 12): Stripe's events, read as the raw body (the signature covers the
// exact bytes) and handed with the Stripe-Signature header to the orchestrator's billing service,
// which verifies, stores the event once and applies it. 400 for a bad or stale signature (nothing is
// written), 404 when Stripe is not configured (trial-only), 200 otherwise (a replay included).
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "Use POST." }, { status: 405, headers: { Allow: "POST" } });
  const rawBody = await request.text();
  const answer = await context.services.orchestrator.billing.receiveWebhook(rawBody, request.headers.get("stripe-signature"));
  return json(answer.body, { status: answer.status, headers: { "Cache-Control": "no-store" } });
}

export function loader(_args: LoaderFunctionArgs) {
  return json({ error: "Stripe's webhook endpoint: Stripe POSTs its events here." }, { status: 405, headers: { Allow: "POST" } });
}
