// The double's stand-ins for Stripe's hosted pages: Checkout (a "Pay" / "Payer" button completes
// the session) and the Customer Portal (cancel at period end, or renew). Plain HTML forms, in the
// session's locale ("auto": the browser's Accept-Language), each saying it is a test double.
import { escapeHtml } from "./http.ts";

export type PageLocale = "en" | "fr";

export function pageLocale(sessionLocale: unknown, acceptLanguage: string | undefined): PageLocale {
  if (sessionLocale === "fr" || sessionLocale === "en") return sessionLocale;
  if (typeof sessionLocale === "string" && sessionLocale.startsWith("fr")) return "fr";
  const first = (acceptLanguage ?? "").split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("fr") ? "fr" : "en";
}

const WORDS = {
  en: {
    banner: "Stripe API double: a test page standing in for Stripe's, no payment is taken.",
    subscribe: "Subscribe",
    perMonth: "per month",
    perYear: "per year",
    trialUntil: "Free until",
    email: "Email",
    pay: "Pay",
    back: "Back",
    closed: "This Checkout Session is no longer active.",
    thanks: "Thank you, your payment went through.",
    portal: "Manage your subscription",
    status: "Status",
    renewsOn: "Renews on",
    endsOn: "Cancels on",
    cancel: "Cancel plan",
    renew: "Renew plan",
    none: "No subscription.",
    returnTo: "Return",
  },
  fr: {
    banner: "Double de l'API Stripe : une page de test qui remplace celle de Stripe, aucun paiement n'est pris.",
    subscribe: "S'abonner",
    perMonth: "par mois",
    perYear: "par an",
    trialUntil: "Gratuit jusqu'au",
    email: "E-mail",
    pay: "Payer",
    back: "Retour",
    closed: "Cette session de paiement n'est plus active.",
    thanks: "Merci, votre paiement est passé.",
    portal: "Gérer votre abonnement",
    status: "État",
    renewsOn: "Renouvellement le",
    endsOn: "Résiliation le",
    cancel: "Annuler l'abonnement",
    renew: "Renouveler l'abonnement",
    none: "Aucun abonnement.",
    returnTo: "Retour",
  },
} as const;

const date = (seconds: number, locale: PageLocale) => new Date(seconds * 1000).toLocaleDateString(locale === "fr" ? "fr-FR" : "en-GB", { timeZone: "UTC", dateStyle: "long" });
const money = (minor: number, currency: string, locale: PageLocale) =>
  new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency: currency.toUpperCase() }).format(minor / 100);

function layout(locale: PageLocale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><p role="note" data-testid="stripe-double-banner">${escapeHtml(WORDS[locale].banner)}</p>${body}</body></html>`;
}

export interface CheckoutView {
  id: string;
  locale: PageLocale;
  open: boolean;
  productName: string;
  amount: number;
  currency: string;
  interval: "month" | "year";
  trialEnd: number | null;
  email: string | null;
  cancelUrl: string | null;
}

export function checkoutPage(view: CheckoutView): string {
  const w = WORDS[view.locale];
  if (!view.open) return layout(view.locale, w.closed, `<h1>${escapeHtml(w.closed)}</h1>`);
  const price = `${money(view.amount, view.currency, view.locale)} ${view.interval === "month" ? w.perMonth : w.perYear}`;
  const trial = view.trialEnd ? `<p data-testid="trial-end">${escapeHtml(w.trialUntil)} ${escapeHtml(date(view.trialEnd, view.locale))}</p>` : "";
  const email = view.email
    ? `<p data-testid="email">${escapeHtml(view.email)}</p>`
    : `<label>${escapeHtml(w.email)} <input name="email" type="email" required></label>`;
  const back = view.cancelUrl ? `<p><a href="${escapeHtml(view.cancelUrl)}">${escapeHtml(w.back)}</a></p>` : "";
  return layout(
    view.locale,
    w.subscribe,
    `<h1>${escapeHtml(w.subscribe)}: ${escapeHtml(view.productName)}</h1>
<p data-testid="price">${escapeHtml(price)}</p>${trial}
<form method="post" action="/c/pay/${escapeHtml(view.id)}">${email}<button type="submit">${escapeHtml(w.pay)}</button></form>${back}`,
  );
}

export function thanksPage(locale: PageLocale): string {
  return layout(locale, WORDS[locale].thanks, `<h1>${escapeHtml(WORDS[locale].thanks)}</h1>`);
}

export interface PortalView {
  id: string;
  locale: PageLocale;
  returnUrl: string | null;
  subscriptions: { id: string; productName: string; status: string; periodEnd: number; cancelAtPeriodEnd: boolean }[];
}

export function portalPage(view: PortalView): string {
  const w = WORDS[view.locale];
  const rows = view.subscriptions.map((s) => {
    const action = s.status === "canceled" ? "" : s.cancelAtPeriodEnd ? "renew" : "cancel";
    const button = action ? `<form method="post" action="/p/session/${escapeHtml(view.id)}/${action}/${escapeHtml(s.id)}"><button type="submit">${escapeHtml(action === "cancel" ? w.cancel : w.renew)}</button></form>` : "";
    return `<section data-subscription="${escapeHtml(s.id)}"><h2>${escapeHtml(s.productName)}</h2>
<p>${escapeHtml(w.status)}: <span data-testid="status">${escapeHtml(s.status)}</span></p>
<p>${escapeHtml(s.cancelAtPeriodEnd ? w.endsOn : w.renewsOn)} ${escapeHtml(date(s.periodEnd, view.locale))}</p>${button}</section>`;
  });
  const back = view.returnUrl ? `<p><a href="${escapeHtml(view.returnUrl)}">${escapeHtml(w.returnTo)}</a></p>` : "";
  return layout(view.locale, w.portal, `<h1>${escapeHtml(w.portal)}</h1>${rows.join("") || `<p>${escapeHtml(w.none)}</p>`}${back}`);
}
