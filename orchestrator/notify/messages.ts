// The wording of each kind of operator notification, in English and French: a title, a short
// text and labelled values, built from the notification's fields (alerts.ts). Every channel (the
// email template, the generic JSON, Slack, Teams) says the same thing because all of them start
// from here. Pure: no clock, no I/O.
import type { NotificationFields, NotificationKind, Severity } from "./alerts.ts";

export type NotifyLocale = "en" | "fr";

export interface NotificationWording {
  /** One line, with the vendor's name ("Acme Cloud: Provisioning failed for tenant acme-1"). */
  title: string;
  /** The same line without the vendor's name (the email's subject adds it its own way). */
  headline: string;
  /** A paragraph or two (lines separated by "\n"). */
  text: string;
  /** The fields in a stable order, labelled and formatted for reading. */
  fields: { key: string; label: string; value: string }[];
  severityLabel: string;
}

export interface StoredNotification {
  id: string;
  kind: string;
  severity: string;
  title: string;
  fields: NotificationFields;
  createdAt: Date;
}

type Field = NotificationFields[string];
type Sentences = (f: (key: string) => string) => { headline: string; text: string };

const KINDS: Record<NotifyLocale, Record<NotificationKind, Sentences>> = {
  en: {
    "alert.provisioning_failed": (f) => ({
      headline: `Provisioning failed for tenant ${f("tenant")}`,
      text:
        `The provisioning of tenant ${f("tenant")} failed for good (job ${f("jobId")}): ${f("reason")}\n` +
        "The tenant is marked failed and nothing of it is left running. Fix the cause, then retry it from the console.",
    }),
    // Three causes: the reconciliation run itself failed, the engine does not answer, or a
    // tenant's repairs failed so often that the reconciler leaves it to an operator.
    "alert.reconciliation_failed": (f) =>
      f("cause") === "engine_unreachable"
        ? {
            headline: "The container engine does not answer",
            text:
              `Since ${f("since")} the engine does not answer (${f("error")}); ${f("tenants")} tenant(s) are marked unreachable and nothing is repaired until it answers again.\n` +
              "Start the engine (Docker or Portainer), or fix the address Tenantry reaches it at.",
          }
        : f("cause") === "tenant_flagged"
          ? {
              headline: `Tenant ${f("tenant")} needs an operator`,
              text:
                `Tenant ${f("tenant")}: ${f("services")} ${f("observed") === "missing" ? "missing" : "not running"} on the engine, and ${f("attempts")} repairs failed. The reconciler no longer repairs it.\n` +
                "Read the repair jobs' errors on the tenant's page, fix the cause, then restart the tenant from the console.",
            }
          : {
              headline: "Reconciliation failed",
              text:
                `Comparing the engine with the database failed ${f("attempts")} times for the period ${f("period")}: ${f("error")}\n` +
                "Tenants are not checked or repaired until it succeeds. Check that the engine answers.",
            },
    "alert.task_failed": (f) => ({
      headline: `Scheduled task ${f("task")} failed`,
      text:
        `The scheduled task ${f("task")} failed ${f("attempts")} times for the period ${f("period")} and gave up until the next one: ${f("error")}\n` +
        "Once the cause is fixed, `npm run tasks -- run-due` runs it again.",
    }),
    "alert.mail_backlog": (f) => ({
      headline: `${f("undelivered")} emails not delivered`,
      text:
        `${f("undelivered")} emails are not delivered (${f("failed")} failed, ${f("stuck")} waiting for over an hour); the alert threshold is ${f("threshold")}.\n` +
        "Check the mail settings, then retry the failed emails from the console's mailbox page.",
    }),
    "alert.backup_verification_failed": (f) => ({
      headline: `A backup of tenant ${f("tenant")} failed its restore check`,
      text:
        `Backup ${f("backupId")} of tenant ${f("tenant")} (taken ${f("takenAt")}) was restored into a temporary stack and did not pass: ${f("error")}\n` +
        "This backup cannot be relied on. Take a new backup of the tenant now (console or `npm run tenant -- backup <slug>`), then check the backups folder's disk and storage.",
    }),
    "alert.no_recent_backup": (f) => ({
      headline: `No recent backup of tenant ${f("tenant")}`,
      text:
        `Tenant ${f("tenant")} has no finished backup since ${f("since")} (its schedule: ${f("schedule")}; latest finished backup: ${f("latestAt")}).\n` +
        "Read the failed backup jobs on the tenant's page, fix the cause, then take a backup from the console or with `npm run tenant -- backup <slug>`.",
    }),
    "report.weekly": (f) => ({
      headline: `Weekly report, ${f("weekStart")} to ${f("weekEnd")}`,
      text:
        `Last week: ${f("signups")} signups, ${f("conversions")} conversions, ${f("failedJobs")} failed jobs and ${f("failedActions")} failed actions.\n` +
        `${f("trialsEndingSoon")} trials end in the next 7 days. ${f("liveTenants")} tenants are live.`,
    }),
    test: () => ({
      headline: "Test notification",
      text: "This is a test message: operator notifications reach this channel. Nothing needs to be done.",
    }),
  },
  fr: {
    "alert.provisioning_failed": (f) => ({
      headline: `Échec du provisionnement du tenant ${f("tenant")}`,
      text:
        `Le provisionnement du tenant ${f("tenant")} a échoué définitivement (tâche ${f("jobId")})\u00a0: ${f("reason")}\n` +
        "Le tenant est marqué en échec et plus rien n’en tourne. Corrigez la cause, puis relancez-le depuis la console.",
    }),
    "alert.reconciliation_failed": (f) =>
      f("cause") === "engine_unreachable"
        ? {
            headline: "Le moteur de conteneurs ne répond pas",
            text:
              `Depuis ${f("since")}, le moteur ne répond pas (${f("error")})\u00a0; ${f("tenants")} tenant(s) sont marqués injoignables et rien n’est réparé tant qu’il ne répond pas.\n` +
              "Démarrez le moteur (Docker ou Portainer), ou corrigez l’adresse à laquelle Tenantry le joint.",
          }
        : f("cause") === "tenant_flagged"
          ? {
              headline: `Le tenant ${f("tenant")} demande une intervention`,
              text:
                `Tenant ${f("tenant")}\u00a0: ${f("services")} ${f("observed") === "missing" ? "absent(s)" : "arrêté(s)"} sur le moteur, et ${f("attempts")} réparations ont échoué. La réconciliation ne le répare plus.\n` +
                "Lisez les erreurs des tâches de réparation sur la page du tenant, corrigez la cause, puis redémarrez le tenant depuis la console.",
            }
          : {
              headline: "Échec de la réconciliation",
              text:
                `La comparaison du moteur avec la base de données a échoué ${f("attempts")} fois pour la période ${f("period")}\u00a0: ${f("error")}\n` +
                "Les tenants ne sont ni vérifiés ni réparés tant qu’elle échoue. Vérifiez que le moteur répond.",
            },
    "alert.task_failed": (f) => ({
      headline: `Échec de la tâche planifiée ${f("task")}`,
      text:
        `La tâche planifiée ${f("task")} a échoué ${f("attempts")} fois pour la période ${f("period")} et reprendra à la suivante\u00a0: ${f("error")}\n` +
        "Une fois la cause corrigée, `npm run tasks -- run-due` la relance.",
    }),
    "alert.mail_backlog": (f) => ({
      headline: `${f("undelivered")} e-mails non distribués`,
      text:
        `${f("undelivered")} e-mails ne sont pas distribués (${f("failed")} en échec, ${f("stuck")} en attente depuis plus d’une heure)\u00a0; le seuil d’alerte est de ${f("threshold")}.\n` +
        "Vérifiez les réglages d’e-mail, puis relancez les e-mails en échec depuis la page Mailbox de la console.",
    }),
    "alert.backup_verification_failed": (f) => ({
      headline: `Une sauvegarde du tenant ${f("tenant")} a échoué au contrôle de restauration`,
      text:
        `La sauvegarde ${f("backupId")} du tenant ${f("tenant")} (prise le ${f("takenAt")}) a été restaurée dans une pile temporaire et n’a pas passé le contrôle\u00a0: ${f("error")}\n` +
        "Cette sauvegarde n’est pas fiable. Prenez dès maintenant une nouvelle sauvegarde du tenant (console ou `npm run tenant -- backup <slug>`), puis vérifiez le disque et le stockage du dossier des sauvegardes.",
    }),
    "alert.no_recent_backup": (f) => ({
      headline: `Aucune sauvegarde récente du tenant ${f("tenant")}`,
      text:
        `Le tenant ${f("tenant")} n’a aucune sauvegarde terminée depuis le ${f("since")} (sa planification\u00a0: ${f("schedule")}\u00a0; dernière sauvegarde terminée\u00a0: ${f("latestAt")}).\n` +
        "Lisez les tâches de sauvegarde en échec sur la page du tenant, corrigez la cause, puis prenez une sauvegarde depuis la console ou avec `npm run tenant -- backup <slug>`.",
    }),
    "report.weekly": (f) => ({
      headline: `Rapport hebdomadaire du ${f("weekStart")} au ${f("weekEnd")}`,
      text:
        `La semaine dernière\u00a0: ${f("signups")} inscriptions, ${f("conversions")} conversions, ${f("failedJobs")} tâches en échec et ${f("failedActions")} actions en échec.\n` +
        `${f("trialsEndingSoon")} essais se terminent dans les 7 prochains jours. ${f("liveTenants")} tenants sont en service.`,
    }),
    test: () => ({
      headline: "Notification de test",
      text: "Ceci est un message de test\u00a0: les notifications des opérateurs parviennent à ce canal. Aucune action n’est nécessaire.",
    }),
  },
};

const LABELS: Record<NotifyLocale, Record<string, string>> = {
  en: {
    tenant: "Tenant",
    tenantId: "Tenant id",
    jobId: "Job",
    reason: "Reason",
    task: "Task",
    period: "Period",
    attempts: "Attempts",
    error: "Error",
    undelivered: "Undelivered emails",
    failed: "Failed",
    stuck: "Waiting for over an hour",
    threshold: "Alert threshold",
    day: "Day",
    weekStart: "From",
    weekEnd: "To (excluded)",
    signups: "Signups",
    conversions: "Conversions",
    trialsEndingSoon: "Trials ending in the next 7 days",
    failedJobs: "Failed jobs",
    failedActions: "Failed actions (audit)",
    liveTenants: "Live tenants",
    tenantsMeasured: "Tenants measured",
    cpuPercent: "CPU (latest samples)",
    memoryBytes: "Memory (latest samples)",
    diskBytes: "Disk (latest samples)",
    requestedAt: "Requested at",
    cause: "Cause",
    since: "Since",
    tenants: "Tenants",
    observed: "Seen on the engine",
    services: "Services",
    backupId: "Backup",
    takenAt: "Taken at",
    latestAt: "Latest finished backup",
    schedule: "Schedule",
  },
  fr: {
    tenant: "Tenant",
    tenantId: "Identifiant du tenant",
    jobId: "Tâche",
    reason: "Cause",
    task: "Tâche planifiée",
    period: "Période",
    attempts: "Tentatives",
    error: "Erreur",
    undelivered: "E-mails non distribués",
    failed: "En échec",
    stuck: "En attente depuis plus d’une heure",
    threshold: "Seuil d’alerte",
    day: "Jour",
    weekStart: "Du",
    weekEnd: "Au (exclu)",
    signups: "Inscriptions",
    conversions: "Conversions",
    trialsEndingSoon: "Essais se terminant dans les 7 jours",
    failedJobs: "Tâches en échec",
    failedActions: "Actions en échec (journal)",
    liveTenants: "Tenants en service",
    tenantsMeasured: "Tenants mesurés",
    cpuPercent: "CPU (derniers relevés)",
    memoryBytes: "Mémoire (derniers relevés)",
    diskBytes: "Disque (derniers relevés)",
    requestedAt: "Demandé le",
    cause: "Cause",
    since: "Depuis",
    tenants: "Tenants",
    observed: "Vu sur le moteur",
    services: "Services",
    backupId: "Sauvegarde",
    takenAt: "Prise le",
    latestAt: "Dernière sauvegarde terminée",
    schedule: "Planification",
  },
};

const SEVERITY: Record<NotifyLocale, Record<Severity, string>> = {
  en: { info: "Information", warning: "Warning", critical: "Alert" },
  fr: { info: "Information", warning: "Avertissement", critical: "Alerte" },
};

export function isNotificationKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(KINDS.en, kind);
}

export function isSeverity(severity: string): severity is Severity {
  return severity === "info" || severity === "warning" || severity === "critical";
}

/** The notification in the operators' language. An unknown kind falls back to its stored title. */
export function wordNotification(notification: StoredNotification, locale: NotifyLocale, vendorName: string): NotificationWording {
  const fields = notification.fields;
  const f = (key: string) => formatValue(key, fields[key], locale);
  const { headline, text } = isNotificationKind(notification.kind)
    ? KINDS[locale][notification.kind](f)
    : { headline: notification.title, text: notification.title };
  return {
    title: `${vendorName}${locale === "fr" ? "\u00a0: " : ": "}${headline}`,
    headline,
    text,
    fields: Object.keys(fields).map((key) => ({ key, label: LABELS[locale][key] ?? key, value: f(key) })),
    severityLabel: SEVERITY[locale][isSeverity(notification.severity) ? notification.severity : "info"],
  };
}

/** A value as an operator reads it: sizes in GiB/MiB, percentages, numbers grouped, times in UTC, "—" when absent. */
export function formatValue(key: string, value: Field | undefined, locale: NotifyLocale): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return locale === "fr" ? (value ? "oui" : "non") : value ? "yes" : "no";
  if (typeof value === "number") {
    const number = new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 });
    if (key.endsWith("Bytes")) return formatBytes(value, number);
    if (key.endsWith("Percent")) return `${number.format(value)}${locale === "fr" ? "\u00a0%" : "%"}`;
    return number.format(value);
  }
  // A time (ISO 8601, as the tasks store them): the same in every language, to the minute, in UTC.
  const time = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(value);
  if (time) return `${time[1]} ${time[2]} UTC`;
  return value;
}

function formatBytes(bytes: number, number: Intl.NumberFormat): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${number.format(value)} ${units[unit]}`;
}
