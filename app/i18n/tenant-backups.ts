// The console's sentences about a tenant's backups (issue 13), in English and French: the tenant
// page's Backups card (the list, taking a backup, restoring in place or into a new tenant) and the
// answers and refusals of its forms.
import { catalogTranslator, type Translator } from "./messages";
import type { Locale } from "./locale";

const en = {
  "backups.title": "Backups",
  "backups.intro": "Encrypted backups of this tenant's database. A restore in place first backs up the data as it is now, then replaces it; a restore into a new tenant creates a copy (same customer, no email sent) to investigate.",
  "backups.none": "No backup yet.",
  "backups.loading": "Loading the backups…",
  "backups.take": "Take a backup now",
  "backups.when": "Taken",
  "backups.reason": "Reason",
  "backups.status": "Status",
  "backups.size": "Size",
  "backups.rows": "Rows",
  "backups.actions": "Restore",
  "backups.reason.manual": "manual",
  "backups.reason.scheduled": "scheduled",
  "backups.reason.pre-upgrade": "before an upgrade",
  "backups.reason.pre-restore": "before a restore",
  "backups.reason.pre-termination": "before termination",
  "backups.status.running": "in progress",
  "backups.status.succeeded": "done",
  "backups.status.failed": "failed",
  "backups.status.deleted": "deleted (retention)",
  "backups.verify": "Restore check",
  "backups.verify.none": "not checked yet",
  "backups.verify.passed": "restored and checked on {date}",
  "backups.verify.failed": "failed the check on {date}",
  "backups.restoreInPlace": "Restore in place",
  "backups.confirm": "I understand: the tenant's current data is replaced (it is backed up first).",
  "backups.into": "New tenant's slug",
  "backups.intoPlaceholder": "acme-copy",
  "backups.restoreInto": "Restore into a new tenant",
  "backups.busy": "A backup or restore job is queued or running; this list refreshes itself.",
  "backups.queued.backup": "Backup queued (job {jobId}).",
  "backups.queued.restore": "Restore of the backup of {at} queued (job {jobId}).",
  "backups.queued.into": "Copy {slug} created; it is provisioned, then given the backup of {at} (job {jobId}).",
  "backups.refused.form": "This form was not understood; reload the page and try again.",
  "backups.refused.confirm": "Tick the box to confirm that the current data is replaced.",
  "backups.refused.missing": "This tenant no longer exists.",
  "backups.refused.inactive": "This tenant is {state}, not active: a backup or a restore needs its database running. Resume it first.",
  "backups.refused.slug": "“{slug}” cannot be the new tenant's slug: 3 to 40 lowercase letters, digits and dashes, not already taken.",
  "backups.refused.backup": "This backup cannot be restored (not finished, or not this tenant's); choose another.",
  "backups.refused.other": "Refused: {reason}",
} as const;

export type TenantBackupMessageKey = keyof typeof en;

const fr: Record<TenantBackupMessageKey, string> = {
  "backups.title": "Sauvegardes",
  "backups.intro": "Sauvegardes chiffrées de la base de données de cette instance. Une restauration sur place sauvegarde d'abord les données telles qu'elles sont, puis les remplace ; une restauration vers une nouvelle instance crée une copie (même client, aucun e-mail envoyé) pour enquêter.",
  "backups.none": "Aucune sauvegarde pour l'instant.",
  "backups.loading": "Chargement des sauvegardes…",
  "backups.take": "Faire une sauvegarde maintenant",
  "backups.when": "Date",
  "backups.reason": "Motif",
  "backups.status": "État",
  "backups.size": "Taille",
  "backups.rows": "Lignes",
  "backups.actions": "Restaurer",
  "backups.reason.manual": "manuelle",
  "backups.reason.scheduled": "planifiée",
  "backups.reason.pre-upgrade": "avant une mise à jour",
  "backups.reason.pre-restore": "avant une restauration",
  "backups.reason.pre-termination": "avant la résiliation",
  "backups.status.running": "en cours",
  "backups.status.succeeded": "terminée",
  "backups.status.failed": "échouée",
  "backups.status.deleted": "supprimée (conservation)",
  "backups.verify": "Contrôle de restauration",
  "backups.verify.none": "pas encore contrôlée",
  "backups.verify.passed": "restaurée et contrôlée le {date}",
  "backups.verify.failed": "contrôle échoué le {date}",
  "backups.restoreInPlace": "Restaurer sur place",
  "backups.confirm": "J'ai compris : les données actuelles de l'instance sont remplacées (elles sont sauvegardées d'abord).",
  "backups.into": "Identifiant de la nouvelle instance",
  "backups.intoPlaceholder": "acme-copie",
  "backups.restoreInto": "Restaurer vers une nouvelle instance",
  "backups.busy": "Une sauvegarde ou une restauration est en attente ou en cours ; cette liste se met à jour d'elle-même.",
  "backups.queued.backup": "Sauvegarde demandée (tâche {jobId}).",
  "backups.queued.restore": "Restauration de la sauvegarde du {at} demandée (tâche {jobId}).",
  "backups.queued.into": "Copie {slug} créée ; elle est installée, puis reçoit la sauvegarde du {at} (tâche {jobId}).",
  "backups.refused.form": "Ce formulaire n'a pas été compris ; rechargez la page et réessayez.",
  "backups.refused.confirm": "Cochez la case pour confirmer que les données actuelles sont remplacées.",
  "backups.refused.missing": "Cette instance n'existe plus.",
  "backups.refused.inactive": "Cette instance est à l'état {state}, pas active : une sauvegarde ou une restauration a besoin de sa base de données en marche. Réactivez-la d'abord.",
  "backups.refused.slug": "« {slug} » ne peut pas être l'identifiant de la nouvelle instance : 3 à 40 lettres minuscules, chiffres et tirets, pas déjà pris.",
  "backups.refused.backup": "Cette sauvegarde ne peut pas être restaurée (pas terminée, ou pas de cette instance) ; choisissez-en une autre.",
  "backups.refused.other": "Refusé : {reason}",
};

export type TenantBackupTranslate = Translator<TenantBackupMessageKey>;

export function tenantBackupTranslator(locale: Locale): TenantBackupTranslate {
  return catalogTranslator(locale === "fr" ? fr : en);
}
