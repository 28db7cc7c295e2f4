// The console's sentences about data rights, in English and French (merged into admin-messages.ts).
export const dataRightsEn = {
  "dataRights.title": "Customer's personal data",
  "dataRights.export": "Download the customer's data (JSON)",
  "dataRights.exportNote": "Customer, consents, subscriptions, tenants and emails sent, as a JSON file. Each download is recorded in the audit log.",
  "dataRights.erase": "Erase the customer's personal data",
  "dataRights.eraseNote": "Replaces the customer's names, email, phone and company, the consents' address and browser, and every email sent to them. This cannot be undone. Only an owner may do it.",
  "dataRights.typeEmail": "Type the customer's email ({email}) to confirm",
  "dataRights.confirmEmail": "The customer's email, to confirm",
  "dataRights.liveTenants": "Erasure waits until every tenant of the customer is destroyed (still there: {slugs}). Destroy them first.",
  "dataRights.erasedOn": "This customer's personal data was erased on {at}.",
  "dataRights.erased": "The customer's personal data has been erased.",
  "dataRights.alreadyErased": "This customer's personal data was already erased.",
  "dataRights.missing": "There is no such customer.",
  "dataRights.wrongEmail": "The email typed is not the customer's: nothing was erased.",
  "dataRights.ownerOnly": "Only an owner may erase a customer's data.",
} as const;

export const dataRightsFr: Record<keyof typeof dataRightsEn, string> = {
  "dataRights.title": "Données personnelles du client",
  "dataRights.export": "Télécharger les données du client (JSON)",
  "dataRights.exportNote": "Client, consentements, abonnements, instances et e-mails envoyés, dans un fichier JSON. Chaque téléchargement est inscrit au journal d'audit.",
  "dataRights.erase": "Effacer les données personnelles du client",
  "dataRights.eraseNote": "Remplace les nom et prénom, l'e-mail, le téléphone et la société du client, l'adresse et le navigateur des consentements, et tous les e-mails qui lui ont été envoyés. C'est irréversible. Seul un propriétaire peut le faire.",
  "dataRights.typeEmail": "Saisissez l'e-mail du client ({email}) pour confirmer",
  "dataRights.confirmEmail": "L'e-mail du client, pour confirmer",
  "dataRights.liveTenants": "L'effacement attend que toutes les instances du client soient détruites (encore présentes : {slugs}). Détruisez-les d'abord.",
  "dataRights.erasedOn": "Les données personnelles de ce client ont été effacées le {at}.",
  "dataRights.erased": "Les données personnelles du client ont été effacées.",
  "dataRights.alreadyErased": "Les données personnelles de ce client étaient déjà effacées.",
  "dataRights.missing": "Ce client n'existe pas.",
  "dataRights.wrongEmail": "L'e-mail saisi n'est pas celui du client : rien n'a été effacé.",
  "dataRights.ownerOnly": "Seul un propriétaire peut effacer les données d'un client.",
};
