// The console's sentences about billing (issue 12), in English and French: the dashboard's
// trial-only banner, monthly recurring revenue and conversions per week, and the tenant page's
// Billing card (the subscription's Stripe state and its last Stripe events).
import { catalogTranslator, type Translator } from "./messages";
import type { Locale } from "./locale";

const en = {
  "billing.trialOnly": "Trial-only: Stripe is not configured. Customers cannot subscribe; set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take payments.",
  "billing.mrr": "Monthly recurring revenue",
  "billing.mrr.none": "No paying subscription with a known price yet.",
  "billing.mrr.unpriced": "{count} paying subscription(s) without a Stripe price (given by an operator) are not counted.",
  "billing.paying.byPlan": "Paying subscriptions by plan",
  "billing.conversions": "Conversions per week (trial to paid)",
  "billing.week": "Week of {date}",
  "billing.title": "Billing (Stripe)",
  "billing.loading": "Loading the billing state…",
  "billing.notLinked": "Not linked to Stripe: the customer has not subscribed.",
  "billing.status": "Status",
  "billing.stripeStatus": "Stripe status",
  "billing.price": "Price",
  "billing.interval.month": "per month",
  "billing.interval.year": "per year",
  "billing.periodEnd": "Current period ends",
  "billing.cancelAtPeriodEnd": "Cancels at the period's end",
  "billing.yes": "yes",
  "billing.no": "no",
  "billing.graceEnds": "Grace ends (then suspended)",
  "billing.endedAt": "Ended",
  "billing.customer": "Stripe customer",
  "billing.subscription": "Stripe subscription",
  "billing.events": "Last Stripe events",
  "billing.events.none": "No Stripe event received for this subscription.",
  "billing.event.created": "Stripe's time",
  "billing.event.received": "Received",
  "billing.event.type": "Type",
  "billing.event.outcome": "Outcome",
  "billing.missing": "This tenant does not exist.",
};

const fr: Record<keyof typeof en, string> = {
  "billing.trialOnly": "Essais uniquement\u00a0: Stripe n’est pas configuré. Les clients ne peuvent pas s’abonner\u00a0; renseignez STRIPE_SECRET_KEY et STRIPE_WEBHOOK_SECRET pour encaisser des paiements.",
  "billing.mrr": "Revenu mensuel récurrent",
  "billing.mrr.none": "Aucun abonnement payant à prix connu pour l’instant.",
  "billing.mrr.unpriced": "{count} abonnement(s) payant(s) sans prix Stripe (attribués par un opérateur) ne sont pas comptés.",
  "billing.paying.byPlan": "Abonnements payants par formule",
  "billing.conversions": "Conversions par semaine (essai vers payant)",
  "billing.week": "Semaine du {date}",
  "billing.title": "Facturation (Stripe)",
  "billing.loading": "Chargement de l’état de facturation…",
  "billing.notLinked": "Non relié à Stripe\u00a0: le client ne s’est pas abonné.",
  "billing.status": "Statut",
  "billing.stripeStatus": "Statut Stripe",
  "billing.price": "Prix",
  "billing.interval.month": "par mois",
  "billing.interval.year": "par an",
  "billing.periodEnd": "Fin de la période en cours",
  "billing.cancelAtPeriodEnd": "Résiliation en fin de période",
  "billing.yes": "oui",
  "billing.no": "non",
  "billing.graceEnds": "Fin du délai de grâce (puis suspension)",
  "billing.endedAt": "Terminé le",
  "billing.customer": "Client Stripe",
  "billing.subscription": "Abonnement Stripe",
  "billing.events": "Derniers événements Stripe",
  "billing.events.none": "Aucun événement Stripe reçu pour cet abonnement.",
  "billing.event.created": "Heure Stripe",
  "billing.event.received": "Reçu",
  "billing.event.type": "Type",
  "billing.event.outcome": "Résultat",
  "billing.missing": "Ce tenant n’existe pas.",
};

export type BillingMessageKey = keyof typeof en;
export type BillingTranslate = Translator<BillingMessageKey>;

export function billingTranslator(locale: Locale): BillingTranslate {
  return catalogTranslator(locale === "fr" ? fr : en);
}

// Stripe gives amounts in the currency's smallest unit as Stripe counts it (its "Supported
// currencies" page): no decimals for these, three for those, two for every other one (ISK, HUF and
// TWD included, whatever ISO 4217 says).
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/** How many of Stripe's smallest units make one unit of the currency (100 for EUR, 1 for JPY, 1000 for KWD). */
export function stripeUnitsPerMajor(currency: string): number {
  const code = currency.toLowerCase();
  return ZERO_DECIMAL.has(code) ? 1 : THREE_DECIMAL.has(code) ? 1000 : 100;
}

/** An amount in Stripe's smallest unit of the currency, written the reader's way (49,00 € / €49.00 / ¥4,900). */
export function formatMoney(amount: number, currency: string, locale: Locale): string {
  const per = stripeUnitsPerMajor(currency);
  try {
    return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency: currency.toUpperCase() }).format(amount / per);
  } catch {
    return `${(amount / per).toFixed(Math.log10(per))} ${currency.toUpperCase()}`;
  }
}
