// The console's sentences about a plan change on a subscription billed through Stripe (the tenant
// page's plan action, app/models/admin-stripe.server.ts), in English and French (merged into
// admin-messages.ts): the change made at Stripe, and each reason it was not.
export const planStripeEn = {
  "result.planStripe": "Plan changed to {plan} at Stripe (the difference is prorated on the next invoice); its limits are being applied to the containers.",
  "refused.planStripe.notConfigured":
    "This subscription is paid through Stripe, but Stripe is not configured on this portal (STRIPE_SECRET_KEY): its plan can only be changed at Stripe. Nothing was changed.",
  "refused.planStripe.notLinked": "Stripe no longer bills this subscription (it was just canceled or unlinked): reload the page and try again. Nothing was changed.",
  "refused.planStripe.noMonthlyPrice":
    "Plan {plan} has no monthly Stripe price, and this subscription is billed monthly: add stripePrices.monthly to it in the plans file (PLANS_FILE), or choose another plan. Nothing was changed.",
  "refused.planStripe.noYearlyPrice":
    "Plan {plan} has no yearly Stripe price, and this subscription is billed yearly: add stripePrices.yearly to it in the plans file (PLANS_FILE), or choose another plan. Nothing was changed.",
  "refused.planStripe.noPrice": "Plan {plan} has no Stripe price for the interval this subscription is billed on ({detail}). Nothing was changed.",
  "refused.planStripe.unreachable": "Stripe could not be reached, so the plan was not changed; try again in a moment. ({detail})",
  "refused.planStripe.refused": "Stripe refused the plan change, so nothing was changed: {detail}",
  "refused.planStripe.same": "Stripe already bills this subscription at plan {plan}'s price: nothing was changed. \"Sync from Stripe\" brings this page up to date.",
  "refused.planStripe.justLinked": "This subscription has just been linked to a Stripe subscription: try again, and the plan change will go through Stripe. Nothing was changed.",
} as const;

export const planStripeFr: Record<keyof typeof planStripeEn, string> = {
  "result.planStripe":
    "Offre changée en {plan} chez Stripe (la différence est calculée au prorata sur la prochaine facture) ; ses limites sont en cours d'application aux conteneurs.",
  "refused.planStripe.notConfigured":
    "Cet abonnement est payé via Stripe, mais Stripe n'est pas configuré sur ce portail (STRIPE_SECRET_KEY) : son offre ne peut être changée que chez Stripe. Rien n'a été modifié.",
  "refused.planStripe.notLinked": "Stripe ne facture plus cet abonnement (il vient d'être résilié ou délié) : rechargez la page et réessayez. Rien n'a été modifié.",
  "refused.planStripe.noMonthlyPrice":
    "L'offre {plan} n'a pas de prix Stripe mensuel, et cet abonnement est facturé au mois : ajoutez-lui stripePrices.monthly dans le fichier des offres (PLANS_FILE), ou choisissez une autre offre. Rien n'a été modifié.",
  "refused.planStripe.noYearlyPrice":
    "L'offre {plan} n'a pas de prix Stripe annuel, et cet abonnement est facturé à l'année : ajoutez-lui stripePrices.yearly dans le fichier des offres (PLANS_FILE), ou choisissez une autre offre. Rien n'a été modifié.",
  "refused.planStripe.noPrice": "L'offre {plan} n'a pas de prix Stripe pour la période de facturation de cet abonnement ({detail}). Rien n'a été modifié.",
  "refused.planStripe.unreachable": "Stripe est injoignable : l'offre n'a pas été changée ; réessayez dans un instant. ({detail})",
  "refused.planStripe.refused": "Stripe a refusé le changement d'offre, rien n'a été modifié : {detail}",
  "refused.planStripe.same": "Stripe facture déjà cet abonnement au prix de l'offre {plan} : rien n'a été modifié. « Synchroniser depuis Stripe » met cette page à jour.",
  "refused.planStripe.justLinked": "Cet abonnement vient d'être lié à un abonnement Stripe : réessayez, le changement d'offre passera alors par Stripe. Rien n'a été modifié.",
};
