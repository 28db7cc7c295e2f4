// The sentences about custom domains (issue 14), in English and French, shared by the customer's
// status page and the console's tenant page (the same card: the record to create, each domain's
// state and last DNS check, the add and remove forms, the refusals).
import { catalogTranslator, type Translator } from "./messages";
import type { Locale } from "./locale";

const en = {
  "domains.title": "Custom domains",
  "domains.intro": "Reach this instance at your own address too, such as erp.your-company.com: create the DNS record below at your domain's provider, then add the domain here. It is enabled as soon as the record is seen (checked again every few minutes), and its HTTPS certificate follows. Once enabled, it is checked again every few hours: keep the record in place. If it moves elsewhere, a warning shows here and the domain is disabled after {days} days.",
  "domains.record": "DNS record to create",
  "domains.recordLine": "{hostname}  CNAME  {target}",
  "domains.recordApex": "For a domain without a subdomain (your-company.com), where a CNAME is not allowed: A and AAAA records with the addresses of {target}.",
  "domains.none": "No custom domain yet.",
  "domains.used": "{count} of {limit} custom domains used.",
  "domains.field": "Domain",
  "domains.placeholder": "erp.your-company.com",
  "domains.add": "Add the domain",
  "domains.remove": "Remove {hostname}",
  "domains.removeShort": "Remove",
  "domains.status.pending": "Waiting for its DNS record",
  "domains.status.active": "Enabled",
  "domains.status.disabled": "Disabled: its DNS record moved",
  "domains.warning.misconfigured": "Warning: since {since}, this domain's DNS record no longer points at {target}. The domain still works for now, but it will be disabled on {until} unless the record is set back to: {hostname} CNAME {target}.",
  "domains.warning.disabled": "This domain was disabled: its DNS record had pointed elsewhere since {since}. Set the record back to {hostname} CNAME {target} and the domain is enabled again by itself within a few minutes.",
  "domains.check.points_at_target": "Its record points at {target}.",
  "domains.check.points_elsewhere": "Its record points elsewhere (found {found}), not at {target}: change the record.",
  "domains.check.no_record": "No DNS record found for this name yet: create the record above (it can take a few minutes to be seen).",
  "domains.check.lookup_failed": "The DNS check could not be done just now; it is tried again in a few minutes.",
  "domains.check.never": "Not checked yet.",
  "domains.checkedAt": "Last checked {at}.",
  "domains.added": "{hostname} added. It is enabled once its DNS record points at {target}.",
  "domains.addedActive": "{hostname} added and enabled: its record points at {target}.",
  "domains.removed": "{hostname} removed.",
  "domains.refused.form": "This form is not recognised, or custom domains are off. Reload the page.",
  "domains.refused.empty": "Please type the domain to add, such as erp.your-company.com.",
  "domains.refused.syntax": "“{hostname}” is not a domain name: write it like erp.your-company.com (letters, digits, dashes and dots).",
  "domains.refused.ip-address": "Please give a domain name, not an IP address.",
  "domains.refused.single-label": "Please give a full domain name, such as erp.your-company.com.",
  "domains.refused.vendor-domain": "Names under our own domain belong to our instances: please give a domain of your own.",
  "domains.refused.target": "That is the name to point your record at, not a domain of your own.",
  "domains.refused.limit": "This instance already has its {limit} custom domains: remove one first.",
  "domains.refused.duplicate": "{hostname} is already one of this instance's domains.",
  "domains.refused.taken": "{hostname} is already used by another instance. If the domain is yours, contact us.",
  "domains.refused.tenant-gone": "This instance is destroyed or being destroyed: it takes no new domain.",
  "domains.refused.not-found": "This domain is no longer one of this instance's (removed already?). Reload the page.",
} as const;

export type DomainMessageKey = keyof typeof en;

const fr: Record<DomainMessageKey, string> = {
  "domains.title": "Domaines personnalisés",
  "domains.intro": "Accédez aussi à cette instance à votre propre adresse, par exemple erp.votre-entreprise.fr : créez l'enregistrement DNS ci-dessous chez le fournisseur de votre domaine, puis ajoutez le domaine ici. Il est activé dès que l'enregistrement est visible (vérifié de nouveau toutes les quelques minutes), et son certificat HTTPS suit. Une fois activé, il est vérifié de nouveau toutes les quelques heures : laissez l'enregistrement en place. S'il pointe ailleurs, un avertissement s'affiche ici et le domaine est désactivé au bout de {days} jours.",
  "domains.record": "Enregistrement DNS à créer",
  "domains.recordLine": "{hostname}  CNAME  {target}",
  "domains.recordApex": "Pour un domaine sans sous-domaine (votre-entreprise.fr), où un CNAME n'est pas permis : des enregistrements A et AAAA avec les adresses de {target}.",
  "domains.none": "Aucun domaine personnalisé pour l'instant.",
  "domains.used": "{count} domaine(s) personnalisé(s) sur {limit} utilisé(s).",
  "domains.field": "Domaine",
  "domains.placeholder": "erp.votre-entreprise.fr",
  "domains.add": "Ajouter le domaine",
  "domains.remove": "Retirer {hostname}",
  "domains.removeShort": "Retirer",
  "domains.status.pending": "En attente de son enregistrement DNS",
  "domains.status.active": "Activé",
  "domains.status.disabled": "Désactivé : son enregistrement DNS a changé",
  "domains.warning.misconfigured": "Attention : depuis le {since}, l'enregistrement DNS de ce domaine ne pointe plus vers {target}. Le domaine fonctionne encore pour l'instant, mais il sera désactivé le {until} si l'enregistrement n'est pas rétabli : {hostname} CNAME {target}.",
  "domains.warning.disabled": "Ce domaine a été désactivé : son enregistrement DNS pointait ailleurs depuis le {since}. Rétablissez l'enregistrement {hostname} CNAME {target} et le domaine sera réactivé de lui-même en quelques minutes.",
  "domains.check.points_at_target": "Son enregistrement pointe vers {target}.",
  "domains.check.points_elsewhere": "Son enregistrement pointe ailleurs ({found}), pas vers {target} : modifiez l'enregistrement.",
  "domains.check.no_record": "Aucun enregistrement DNS trouvé pour ce nom pour l'instant : créez l'enregistrement ci-dessus (il peut falloir quelques minutes pour qu'il soit visible).",
  "domains.check.lookup_failed": "La vérification DNS n'a pas pu se faire à l'instant ; elle est refaite dans quelques minutes.",
  "domains.check.never": "Pas encore vérifié.",
  "domains.checkedAt": "Dernière vérification : {at}.",
  "domains.added": "{hostname} ajouté. Il sera activé dès que son enregistrement DNS pointera vers {target}.",
  "domains.addedActive": "{hostname} ajouté et activé : son enregistrement pointe vers {target}.",
  "domains.removed": "{hostname} retiré.",
  "domains.refused.form": "Ce formulaire n'est pas reconnu, ou les domaines personnalisés sont désactivés. Rechargez la page.",
  "domains.refused.empty": "Veuillez saisir le domaine à ajouter, par exemple erp.votre-entreprise.fr.",
  "domains.refused.syntax": "« {hostname} » n'est pas un nom de domaine : écrivez-le comme erp.votre-entreprise.fr (lettres, chiffres, tirets et points).",
  "domains.refused.ip-address": "Veuillez donner un nom de domaine, pas une adresse IP.",
  "domains.refused.single-label": "Veuillez donner un nom de domaine complet, par exemple erp.votre-entreprise.fr.",
  "domains.refused.vendor-domain": "Les noms sous notre propre domaine sont ceux de nos instances : veuillez donner un domaine à vous.",
  "domains.refused.target": "C'est le nom vers lequel pointer votre enregistrement, pas un domaine à vous.",
  "domains.refused.limit": "Cette instance a déjà ses {limit} domaines personnalisés : retirez-en un d'abord.",
  "domains.refused.duplicate": "{hostname} est déjà un domaine de cette instance.",
  "domains.refused.taken": "{hostname} est déjà utilisé par une autre instance. Si le domaine est à vous, contactez-nous.",
  "domains.refused.tenant-gone": "Cette instance est détruite ou en cours de destruction : elle ne prend plus de domaine.",
  "domains.refused.not-found": "Ce domaine n'est plus un domaine de cette instance (déjà retiré ?). Rechargez la page.",
};

export type DomainTranslate = Translator<DomainMessageKey>;

export function domainTranslator(locale: Locale): DomainTranslate {
  return catalogTranslator(locale === "fr" ? fr : en);
}
