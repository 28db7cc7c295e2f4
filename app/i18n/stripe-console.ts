// The console's sentences about the outgoing Stripe calls (issue 12), in English and French: the
// tenant page's "sync from Stripe" action and its answers, and the dashboard's notice of Stripe's
// boot check (a refused key, a plan's price Stripe does not have, Stripe unreachable).
import { catalogTranslator, type Translator } from "./messages";
import type { Locale } from "./locale";

const en = {
  "stripeSync.button": "Sync from Stripe",
  "stripeSync.hint": "Reads the subscription from Stripe and applies it, as a webhook would.",
  "stripeSync.done": "Synced from Stripe: Stripe says {stripeStatus} ({outcome}).",
  "stripeSync.refused.missing": "No such tenant.",
  "stripeSync.refused.notConfigured": "Stripe is not configured: this portal runs trial-only.",
  "stripeSync.refused.notLinked": "This subscription is not linked to Stripe yet: nothing to sync.",
  "stripeSync.refused.unreachable": "Stripe could not be reached; try again in a moment. ({reason})",
  "stripeSync.refused.stripe": "Stripe refused: {reason}",
  "stripeCheck.title": "Stripe check at start",
  "stripeCheck.problems": "Stripe refused part of the billing settings; customers may not be able to subscribe until this is fixed:",
  "stripeCheck.unreachable": "Stripe could not be reached when the portal started ({reason}). Checkout is tried again when customers subscribe.",
  "stripeCheck.key": "Check STRIPE_SECRET_KEY.",
  "stripeCheck.price": "Check the plans file's Stripe prices (PLANS_FILE), and that they belong to the same mode (test or live) as the key.",
};

export type StripeConsoleKey = keyof typeof en;

const fr: Record<StripeConsoleKey, string> = {
  "stripeSync.button": "Synchroniser depuis Stripe",
  "stripeSync.hint": "Lit l'abonnement chez Stripe et l'applique, comme le ferait un webhook.",
  "stripeSync.done": "Synchronisé depuis Stripe : Stripe indique {stripeStatus} ({outcome}).",
  "stripeSync.refused.missing": "Ce tenant n'existe pas.",
  "stripeSync.refused.notConfigured": "Stripe n'est pas configuré : ce portail fonctionne en essai seulement.",
  "stripeSync.refused.notLinked": "Cet abonnement n'est pas encore lié à Stripe : rien à synchroniser.",
  "stripeSync.refused.unreachable": "Stripe est injoignable ; réessayez dans un instant. ({reason})",
  "stripeSync.refused.stripe": "Stripe a refusé : {reason}",
  "stripeCheck.title": "Vérification Stripe au démarrage",
  "stripeCheck.problems": "Stripe a refusé une partie des réglages de facturation ; les clients risquent de ne pas pouvoir s'abonner tant que ce n'est pas corrigé :",
  "stripeCheck.unreachable": "Stripe était injoignable au démarrage du portail ({reason}). Le paiement sera retenté quand un client s'abonnera.",
  "stripeCheck.key": "Vérifiez STRIPE_SECRET_KEY.",
  "stripeCheck.price": "Vérifiez les prix Stripe du fichier des offres (PLANS_FILE), et qu'ils sont du même mode (test ou production) que la clé.",
};

export function stripeConsoleTranslator(locale: Locale): Translator<StripeConsoleKey> {
  return catalogTranslator(locale === "fr" ? fr : en);
}
