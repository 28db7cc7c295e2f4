// The copy of every message, in English and French. Plain sentences only: values are
// interpolated as plain text and the renderers escape what their medium needs.
import type { EmailLocale } from "./types.ts";

export interface Copy {
  readonly labelSeparator: string;
  greeting(firstName: string): string;
  readonly signOff: readonly string[];
  readonly credentials: {
    subject(company: string): string;
    resentSubject(company: string): string;
    ready(company: string): string;
    resent(company: string): string;
    trial(plan: string, endDate: string): string;
    readonly addressLabel: string;
    readonly usernameLabel: string;
    readonly passwordLabel: string;
    readonly changePassword: string;
  };
  readonly trialEnding: {
    subject(company: string, daysLeft: number): string;
    ends(company: string, endDate: string, daysLeft: number): string;
    readonly subscribe: string;
    readonly addressLabel: string;
  };
  readonly trialEnded: {
    subject(company: string): string;
    suspended(company: string): string;
    readonly dataKept: string;
    readonly subscribe: string;
    readonly addressLabel: string;
  };
  readonly instanceTerminated: {
    subject(company: string): string;
    deleted(company: string): string;
    readonly thanks: string;
  };
  readonly paymentFailed: {
    subject(company: string): string;
    lastSubject(company: string, endDate: string): string;
    failed(company: string): string;
    grace(endDate: string): string;
    readonly update: string;
    readonly payLabel: string;
    readonly addressLabel: string;
  };
  readonly billingSuspended: {
    subject(company: string): string;
    unpaid(company: string): string;
    canceled(company: string): string;
    readonly dataKept: string;
    readonly resume: string;
  };
  readonly accountLink: {
    subject(company: string): string;
    intro(company: string): string;
    readonly linkLabel: string;
    readonly previous: string;
    readonly notYou: string;
  };
  /** Custom domains (issue 14): an active domain whose record pointed elsewhere for the whole grace is disabled. */
  readonly customDomainDisabled: {
    subject(hostname: string): string;
    disabled(hostname: string, company: string, since: string, target: string): string;
    found(found: string): string;
    readonly noRecord: string;
    readonly stillServed: string;
    readonly fix: string;
    readonly recordLabel: string;
    readonly addressLabel: string;
  };
  /** The account page's link in the trial and billing emails (issue 12), when the portal's address is set. */
  readonly subscribeLink: {
    readonly label: string;
  };
}

function englishDelay(daysLeft: number): string {
  if (daysLeft <= 0) return "today";
  if (daysLeft === 1) return "tomorrow";
  return `in ${daysLeft} days`;
}

function frenchDelay(daysLeft: number): string {
  if (daysLeft <= 0) return "aujourd’hui";
  if (daysLeft === 1) return "demain";
  return `dans ${daysLeft} jours`;
}

const en: Copy = {
  labelSeparator: ": ",
  greeting: (firstName) => (firstName ? `Hello ${firstName},` : "Hello,"),
  signOff: ["Best regards,", "The team"],
  credentials: {
    subject: (company) => `Your instance for ${company} is ready`,
    resentSubject: (company) => `New login details for your instance for ${company}`,
    ready: (company) => `Your instance for ${company} is ready. Here is how to sign in.`,
    resent: (company) => `Here are the new login details of your instance for ${company}. The previous password no longer works.`,
    trial: (plan, endDate) => `Plan: ${plan}. Your free trial runs until ${endDate}.`,
    addressLabel: "Address",
    usernameLabel: "Username",
    passwordLabel: "Temporary password",
    changePassword: "For your security, please change this password the first time you sign in.",
  },
  trialEnding: {
    subject: (company, daysLeft) => `Your trial for ${company} ends ${englishDelay(daysLeft)}`,
    ends: (company, endDate, daysLeft) => `The free trial of your instance for ${company} ends ${englishDelay(daysLeft)}, on ${endDate}.`,
    subscribe: "To keep your instance and its data, subscribe before that date. Until then, everything keeps working as usual.",
    addressLabel: "Your instance",
  },
  trialEnded: {
    subject: (company) => `Your trial for ${company} has ended`,
    suspended: (company) => `The free trial of your instance for ${company} has ended, and the instance is now suspended.`,
    dataKept: "Your data is kept for a while, but not indefinitely.",
    subscribe: "Subscribe to a plan and your instance will be resumed as you left it.",
    addressLabel: "Your instance (available again once you subscribe)",
  },
  instanceTerminated: {
    subject: (company) => `Your instance for ${company} has been deleted`,
    deleted: (company) => `Your instance for ${company} and all its data have been permanently deleted.`,
    thanks: "Thank you for trying our service. If you have any question, simply reply to this e-mail.",
  },
  paymentFailed: {
    subject: (company) => `Payment failed for your instance for ${company}`,
    lastSubject: (company, endDate) => `Last reminder: your instance for ${company} will be suspended on ${endDate}`,
    failed: (company) => `We could not take the payment for your subscription for ${company}.`,
    grace: (endDate) => `Your instance keeps working until ${endDate}; if the payment has not gone through by then, it will be suspended.`,
    update: "Please pay the invoice or update your payment method from your account page (manage billing). Your instance resumes as soon as the payment goes through.",
    payLabel: "Pay the invoice",
    addressLabel: "Your instance",
  },
  billingSuspended: {
    subject: (company) => `Your instance for ${company} is suspended`,
    unpaid: (company) => `Your instance for ${company} is suspended: the payment for your subscription has not gone through.`,
    canceled: (company) => `Your subscription for ${company} has ended, and your instance is now suspended.`,
    dataKept: "Your data is kept for a while, but not indefinitely.",
    resume: "Pay or subscribe again from your account page and your instance will be resumed as you left it.",
  },
  accountLink: {
    subject: (company) => `Your account page for ${company}`,
    intro: (company) => `Here is the link to the account page of your instance for ${company}, as you asked.`,
    linkLabel: "Your account page",
    previous: "The previous link no longer works. Keep this one to yourself: whoever has it can manage your account.",
    notYou: "If you did not ask for it, you can ignore this e-mail.",
  },
  customDomainDisabled: {
    subject: (hostname) => `Your domain ${hostname} has been disabled`,
    disabled: (hostname, company, since, target) =>
      `Since ${since}, the DNS record of ${hostname} no longer points at ${target}, so we have disabled this domain for your instance for ${company}: the instance no longer answers at that address.`,
    found: (found) => `The record now points at: ${found}.`,
    noRecord: "The name no longer has any DNS record.",
    stillServed: "Your instance itself keeps running, at its usual address.",
    fix: "To use the domain again, set its record back as below: the domain is enabled again by itself a few minutes after the record is seen.",
    recordLabel: "DNS record to set",
    addressLabel: "Your instance",
  },
  subscribeLink: {
    label: "Subscribe / manage my subscription from your account page (keep this link to yourself)",
  },
};

// French: a non-breaking space before ":" and typographic apostrophes.
const fr: Copy = {
  labelSeparator: "\u00a0: ",
  greeting: (firstName) => (firstName ? `Bonjour ${firstName},` : "Bonjour,"),
  signOff: ["Cordialement,", "L’équipe"],
  credentials: {
    subject: (company) => `Votre instance pour ${company} est prête`,
    resentSubject: (company) => `Nouveaux identifiants de votre instance pour ${company}`,
    ready: (company) => `Votre instance pour ${company} est prête. Voici comment vous connecter.`,
    resent: (company) => `Voici les nouveaux identifiants de votre instance pour ${company}. L’ancien mot de passe ne fonctionne plus.`,
    trial: (plan, endDate) => `Formule\u00a0: ${plan}. Votre essai gratuit dure jusqu’au ${endDate}.`,
    addressLabel: "Adresse",
    usernameLabel: "Identifiant",
    passwordLabel: "Mot de passe temporaire",
    changePassword: "Pour votre sécurité, changez ce mot de passe dès votre première connexion.",
  },
  trialEnding: {
    subject: (company, daysLeft) => `Votre essai pour ${company} se termine ${frenchDelay(daysLeft)}`,
    ends: (company, endDate, daysLeft) => `L’essai gratuit de votre instance pour ${company} se termine ${frenchDelay(daysLeft)}, le ${endDate}.`,
    subscribe: "Pour conserver votre instance et ses données, souscrivez un abonnement avant cette date. D’ici là, tout continue de fonctionner normalement.",
    addressLabel: "Votre instance",
  },
  trialEnded: {
    subject: (company) => `Votre essai pour ${company} est terminé`,
    suspended: (company) => `L’essai gratuit de votre instance pour ${company} est terminé et l’instance est désormais suspendue.`,
    dataKept: "Vos données sont conservées pendant un certain temps, mais pas indéfiniment.",
    subscribe: "Souscrivez un abonnement et votre instance sera réactivée telle que vous l’avez laissée.",
    addressLabel: "Votre instance (de nouveau accessible après souscription)",
  },
  instanceTerminated: {
    subject: (company) => `Votre instance pour ${company} a été supprimée`,
    deleted: (company) => `Votre instance pour ${company} et toutes ses données ont été définitivement supprimées.`,
    thanks: "Merci d’avoir essayé notre service. Pour toute question, répondez simplement à cet e-mail.",
  },
  paymentFailed: {
    subject: (company) => `Échec du paiement pour votre instance pour ${company}`,
    lastSubject: (company, endDate) => `Dernier rappel\u00a0: votre instance pour ${company} sera suspendue le ${endDate}`,
    failed: (company) => `Nous n’avons pas pu encaisser le paiement de votre abonnement pour ${company}.`,
    grace: (endDate) => `Votre instance reste accessible jusqu’au ${endDate} ; si le paiement n’est pas passé d’ici là, elle sera suspendue.`,
    update: "Réglez la facture ou mettez à jour votre moyen de paiement depuis votre espace client (gérer la facturation). Votre instance est réactivée dès que le paiement passe.",
    payLabel: "Régler la facture",
    addressLabel: "Votre instance",
  },
  billingSuspended: {
    subject: (company) => `Votre instance pour ${company} est suspendue`,
    unpaid: (company) => `Votre instance pour ${company} est suspendue : le paiement de votre abonnement n’est pas passé.`,
    canceled: (company) => `Votre abonnement pour ${company} a pris fin et votre instance est désormais suspendue.`,
    dataKept: "Vos données sont conservées pendant un certain temps, mais pas indéfiniment.",
    resume: "Réglez ou souscrivez de nouveau depuis votre espace client et votre instance sera réactivée telle que vous l’avez laissée.",
  },
  accountLink: {
    subject: (company) => `Votre espace client pour ${company}`,
    intro: (company) => `Voici, comme demandé, le lien vers l’espace client de votre instance pour ${company}.`,
    linkLabel: "Votre espace client",
    previous: "L’ancien lien ne fonctionne plus. Gardez celui-ci pour vous : quiconque le possède peut gérer votre compte.",
    notYou: "Si vous n’avez rien demandé, vous pouvez ignorer cet e-mail.",
  },
  customDomainDisabled: {
    subject: (hostname) => `Votre domaine ${hostname} a été désactivé`,
    disabled: (hostname, company, since, target) =>
      `Depuis le ${since}, l’enregistrement DNS de ${hostname} ne pointe plus vers ${target}\u00a0: nous avons donc désactivé ce domaine pour votre instance pour ${company}, qui ne répond plus à cette adresse.`,
    found: (found) => `L’enregistrement pointe désormais vers\u00a0: ${found}.`,
    noRecord: "Ce nom n’a plus aucun enregistrement DNS.",
    stillServed: "Votre instance elle-même continue de fonctionner, à son adresse habituelle.",
    fix: "Pour utiliser de nouveau ce domaine, rétablissez son enregistrement comme ci-dessous\u00a0: le domaine est réactivé de lui-même quelques minutes après que l’enregistrement est visible.",
    recordLabel: "Enregistrement DNS à rétablir",
    addressLabel: "Votre instance",
  },
  subscribeLink: {
    label: "Souscrire / gérer mon abonnement depuis votre espace client (gardez ce lien pour vous)",
  },
};

export const COPY: Readonly<Record<EmailLocale, Copy>> = { en, fr };
