// A Stripe API double: an HTTP server (127.0.0.1, a free port) answering the subset of Stripe's
// API that Tenantry's outgoing calls use, as API version 2026-11-18.endive (stripe-node 23.2.0)
// documents it, reached by the SDK through its own host/port/protocol settings (STRIPE_API_URL).
// It is NOT Stripe: see README.md for what it implements, where it differs, and its test controls.
// Its hosted Checkout and Customer Portal pages change its objects and send the matching events,
// signed with Stripe's own library (generateTestHeaderString) and the webhook secret, to the
// webhook URL it is given.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { balance, createCheckoutSession, createPortalSession, updateSubscription, type ApiContext } from "./api.ts";
import { decodeForm, readBody, redirect, sendHtml, sendJson, StripeDoubleError, type Form } from "./http.ts";
import { checkoutPage, pageLocale, portalPage, thanksPage } from "./pages.ts";
import { API_VERSION, StripeStore, type PriceConfig, type StripeEventRecord } from "./store.ts";

export { API_VERSION, type PriceConfig, type StripeEventRecord } from "./store.ts";

type Json = Record<string, unknown>;

export interface StripeDoubleOptions {
  /** The secret key the double accepts (Bearer). Default: a fresh sk_test_… */
  secretKey?: string;
  /** Signs the events it sends (whsec_…). Default: a fresh one. */
  webhookSecret?: string;
  /** Where events are POSTed; settable later (the portal's address is often known after). */
  webhookUrl?: string;
  prices?: PriceConfig[];
  /** The double's clock in ms (objects' and events' `created`, and the signatures' timestamps); default Date.now. */
  now?: () => number;
  /** A fixed port (default: a free one). */
  port?: number;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  /** The endpoint's HTTP status, or 0 when it could not be reached. */
  status: number;
  error?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  /** The form (or query) as decoded, for checking what the SDK sent. */
  params: Form;
}

export interface StripeDouble {
  /** http://127.0.0.1:<port>: give it as STRIPE_API_URL. */
  readonly url: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly apiVersion: string;
  readonly store: StripeStore;
  /** Every /v1 request answered, in order. */
  readonly requests: RequestRecord[];
  /** Every webhook delivery attempt, in order. */
  readonly deliveries: WebhookDelivery[];
  /** Every event created, oldest first (delivered or not). */
  events(type?: string): StripeEventRecord[];
  setWebhookUrl(url: string | undefined): void;
  addPrice(price: PriceConfig): void;
  // Test controls (what Stripe does on its own or on the customer's side), each sending its events
  // to the webhook URL before it returns.
  /** Checkout's Pay, without a browser: completes the session as the hosted page does. */
  completeCheckout(sessionId: string, email?: string): Promise<{ subscriptionId: string; customerId: string; events: StripeEventRecord[] }>;
  /** The renewal's payment fails: invoice.payment_failed, subscription past_due. */
  failPayment(subscriptionId: string): Promise<StripeEventRecord[]>;
  /** A payment succeeds: invoice.paid, subscription active. */
  pay(subscriptionId: string): Promise<StripeEventRecord[]>;
  /** Canceled at period end (customer.subscription.updated) or at once (customer.subscription.deleted). */
  cancel(subscriptionId: string, options?: { atPeriodEnd?: boolean }): Promise<StripeEventRecord[]>;
  /** Waits for the events of API calls (sent just after their answers) to be delivered. */
  settle(): Promise<void>;
  /** Sends an event again (Stripe's retries and the Dashboard's "Resend"). */
  redeliver(eventId: string): Promise<WebhookDelivery>;
  /** Refuses connections (Stripe unreachable) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const redactKey = (key: string) => (key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : "****");

export async function startStripeDouble(options: StripeDoubleOptions = {}): Promise<StripeDouble> {
  // Shaped as Stripe's (letters and digits after the prefix), so the portal's settings accept them.
  const secretKey = options.secretKey ?? `sk_test_Double${randomBytes(18).toString("hex")}`;
  const webhookSecret = options.webhookSecret ?? `whsec_Double${randomBytes(18).toString("hex")}`;
  let webhookUrl = options.webhookUrl;
  const store = new StripeStore(options.now ?? Date.now);
  for (const price of options.prices ?? []) store.addPrice(price);
  const requests: RequestRecord[] = [];
  const deliveries: WebhookDelivery[] = [];
  const pendingDeliveries = new Set<Promise<void>>();
  let port = options.port ?? 0;
  const baseUrl = () => `http://127.0.0.1:${port}`;
  const ctx = (): ApiContext => ({ store, baseUrl: baseUrl() });

  async function deliver(event: StripeEventRecord): Promise<WebhookDelivery> {
    const record: WebhookDelivery = { eventId: event.id, type: event.type, status: 0 };
    deliveries.push(record);
    if (!webhookUrl) {
      record.error = "no webhook URL set";
      return record;
    }
    const payload = JSON.stringify(event, null, 2);
    // Signed at the double's time (its `now`), as Stripe signs at its own: a test clock moved for
    // the portal and the double together keeps the endpoint's tolerance check meaningful.
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, timestamp: store.now() });
    try {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature, "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
        body: payload,
        signal: AbortSignal.timeout(20_000),
      });
      record.status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
    }
    return record;
  }

  /** Runs a change, then sends the events it created, one after the other, in order. */
  async function changeAndSend(change: () => void): Promise<StripeEventRecord[]> {
    const before = store.events.length;
    change();
    const created = store.events.slice(before);
    for (const event of created) await deliver(event);
    return created;
  }

  /** The change at once; its events sent after the answer (as Stripe does for API calls). */
  function changeAndSendAfter(change: () => void): Promise<void> {
    const before = store.events.length;
    change();
    const created = store.events.slice(before);
    return new Promise<void>((resolve) => {
      setImmediate(() => {
        void (async () => {
          for (const event of created) await deliver(event);
          resolve();
        })();
      });
    });
  }

  /** Tracks an API call's deliveries so that settle() waits for them. */
  function sendAfter(sent: Promise<void>): void {
    pendingDeliveries.add(sent);
    void sent.finally(() => pendingDeliveries.delete(sent));
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const form = method === "GET" ? decodeForm(url.search.slice(1)) : decodeForm(await readBody(req));
    const record: RequestRecord = { method, path, status: 0, params: form };
    requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      sendJson(res, status, body, { "Request-Id": `req_${Math.random().toString(36).slice(2, 16)}`, "Stripe-Version": API_VERSION });
    };
    try {
      const auth = req.headers.authorization;
      const given = /^Bearer (.+)$/.exec(auth ?? "")?.[1];
      if (!given) {
        throw new StripeDoubleError(401, {
          type: "invalid_request_error",
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        });
      }
      if (given !== secretKey) throw new StripeDoubleError(401, { type: "invalid_request_error", message: `Invalid API Key provided: ${redactKey(given)}` });
      const match = (pattern: RegExp) => pattern.exec(path)?.[1];
      let id: string | undefined;
      if (method === "POST" && path === "/v1/checkout/sessions") return reply(200, createCheckoutSession(ctx(), form));
      if (method === "GET" && (id = match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) return reply(200, store.publicSession(store.get("checkout.session", id)));
      if (method === "POST" && path === "/v1/billing_portal/sessions") return reply(200, createPortalSession(ctx(), form));
      if (method === "GET" && (id = match(/^\/v1\/subscriptions\/([^/]+)$/))) return reply(200, store.get("subscription", id));
      if (method === "DELETE" && (id = match(/^\/v1\/subscriptions\/([^/]+)$/))) {
        const subscriptionId = id;
        let canceled: Json | undefined;
        sendAfter(changeAndSendAfter(() => (canceled = store.cancel(subscriptionId, false))));
        return reply(200, canceled);
      }
      if (method === "POST" && (id = match(/^\/v1\/subscriptions\/([^/]+)$/))) {
        // Checked first (a refusal changes nothing and sends nothing), then changed; the event follows the answer.
        const change = updateSubscription(ctx(), id, form);
        let updated: Json | undefined;
        sendAfter(changeAndSendAfter(() => (updated = change())));
        return reply(200, updated);
      }
      if (method === "GET" && (id = match(/^\/v1\/prices\/([^/]+)$/))) return reply(200, store.get("price", id));
      if (method === "GET" && (id = match(/^\/v1\/customers\/([^/]+)$/))) return reply(200, store.get("customer", id));
      if (method === "GET" && (id = match(/^\/v1\/invoices\/([^/]+)$/))) return reply(200, store.get("invoice", id));
      if (method === "GET" && path === "/v1/balance") return reply(200, balance());
      throw new StripeDoubleError(404, {
        type: "invalid_request_error",
        message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      });
    } catch (error) {
      if (error instanceof StripeDoubleError) return reply(error.status, { error: error.body });
      return reply(500, { error: { type: "api_error", message: error instanceof Error ? error.message : String(error) } });
    }
  }

  async function pages(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const checkoutId = /^\/c\/pay\/([^/]+)$/.exec(url.pathname)?.[1];
    if (checkoutId) {
      const session = store.checkoutSessions.get(checkoutId);
      if (!session) return sendHtml(res, 404, "<h1>Not found</h1>");
      const locale = pageLocale(session.locale, req.headers["accept-language"]);
      if (method === "POST") {
        const form = decodeForm(await readBody(req));
        if (session.status !== "open") return sendHtml(res, 409, checkoutPage({ ...viewOf(session, locale), open: false }));
        const email = typeof form.email === "string" && form.email !== "" ? form.email : undefined;
        await changeAndSend(() => store.completeCheckout(checkoutId, email ?? null));
        const success = session.success_url as string | null;
        if (success) return redirect(res, success.replaceAll("{CHECKOUT_SESSION_ID}", checkoutId));
        return sendHtml(res, 200, thanksPage(locale));
      }
      return sendHtml(res, 200, checkoutPage(viewOf(session, locale)));
    }
    const portal = /^\/p\/session\/([^/]+)(?:\/(cancel|renew)\/([^/]+))?$/.exec(url.pathname);
    if (portal) {
      const session = store.portalSessions.get(portal[1]!);
      if (!session) return sendHtml(res, 404, "<h1>Not found</h1>");
      const locale = pageLocale(session.locale, req.headers["accept-language"]);
      if (method === "POST" && portal[2]) {
        const subscription = store.subscriptions.get(portal[3]!);
        if (!subscription || subscription.customer !== session.customer) return sendHtml(res, 404, "<h1>Not found</h1>");
        await changeAndSend(() => (portal[2] === "cancel" ? store.cancel(subscription.id as string, true) : store.renew(subscription.id as string)));
        return redirect(res, `/p/session/${portal[1]}`);
      }
      const subscriptions = [...store.subscriptions.values()]
        .filter((s) => s.customer === session.customer)
        .map((s) => {
          const item = store.itemOf(s);
          const price = item.price as Json;
          return { id: s.id as string, productName: String(price.nickname ?? price.id), status: s.status as string, periodEnd: item.current_period_end as number, cancelAtPeriodEnd: s.cancel_at_period_end === true };
        });
      return sendHtml(res, 200, portalPage({ id: portal[1]!, locale, returnUrl: session.return_url as string | null, subscriptions }));
    }
    return sendHtml(res, 404, "<h1>Not found</h1>");
  }

  function viewOf(session: Json, locale: "en" | "fr") {
    const pending = session._pending as { priceId: string; quantity: number; trialEnd: number | null };
    const price = store.get("price", pending.priceId);
    return {
      id: session.id as string,
      locale,
      open: session.status === "open",
      productName: String(price.nickname ?? price.id),
      amount: (price.unit_amount as number) * pending.quantity,
      currency: price.currency as string,
      interval: (price.recurring as { interval: "month" | "year" }).interval,
      trialEnd: pending.trialEnd,
      email: (session.customer_email as string | null) ?? (session.customer ? ((store.customers.get(session.customer as string)?.email as string | null) ?? null) : null),
      cancelUrl: session.cancel_url as string | null,
    };
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const handler = url.pathname.startsWith("/v1/") ? api : pages;
    handler(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { type: "api_error", message: error instanceof Error ? error.message : String(error) } });
    });
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  return {
    get url() {
      return baseUrl();
    },
    secretKey,
    webhookSecret,
    apiVersion: API_VERSION,
    store,
    requests,
    deliveries,
    events: (type) => store.events.filter((e) => type === undefined || e.type === type),
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    addPrice: (price) => void store.addPrice(price),
    async completeCheckout(sessionId, email) {
      let session: Json | undefined;
      const events = await changeAndSend(() => (session = store.completeCheckout(sessionId, email ?? null)));
      return { subscriptionId: session!.subscription as string, customerId: session!.customer as string, events };
    },
    failPayment: (subscriptionId) => changeAndSend(() => store.failPayment(subscriptionId)),
    pay: (subscriptionId) => changeAndSend(() => store.pay(subscriptionId)),
    cancel: (subscriptionId, o = {}) => changeAndSend(() => store.cancel(subscriptionId, o.atPeriodEnd ?? false)),
    async settle() {
      while (pendingDeliveries.size > 0) await Promise.allSettled([...pendingDeliveries]);
    },
    async redeliver(eventId) {
      const event = store.events.find((e) => e.id === eventId);
      if (!event) throw new Error(`The Stripe double has no event ${eventId}`);
      return deliver(event);
    },
    stop,
    start: async () => {
      if (!server.listening) await listen();
    },
    close: stop,
  };
}
