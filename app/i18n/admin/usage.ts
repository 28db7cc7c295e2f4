// The console's sentences about usage, in English and French (merged into admin-messages.ts).
export const usageEn = {
  "usage.title": "Usage over the last {days} days",
  "usage.none": "No usage sample yet: the usage task samples each active tenant every period (hourly by default).",
  "usage.cpu": "CPU",
  "usage.memory": "Memory",
  "usage.disk": "Disk",
  "usage.latest": "Latest sample ({at})",
  "usage.unknown": "unknown",
  "usage.chartLabel": "{metric} from {from} to {to}: lowest {min}, highest {max}, latest {latest}",
  "usage.point": "{at}: {value}",
  "usage.totals": "Resources used by active tenants",
  "usage.totalsNote": "Latest sample of each of the {count} sampled active tenants, as of {at}.",
  "usage.totalsNone": "No active tenant has been sampled yet.",
  "usage.totalCpu": "CPU (share of one core)",
} as const;

export const usageFr: Record<keyof typeof usageEn, string> = {
  "usage.title": "Consommation des {days} derniers jours",
  "usage.none": "Aucune mesure pour l'instant : la tâche de mesure relève chaque instance active à chaque période (toutes les heures par défaut).",
  "usage.cpu": "Processeur",
  "usage.memory": "Mémoire",
  "usage.disk": "Disque",
  "usage.latest": "Dernière mesure ({at})",
  "usage.unknown": "inconnu",
  "usage.chartLabel": "{metric} du {from} au {to} : minimum {min}, maximum {max}, dernière valeur {latest}",
  "usage.point": "{at} : {value}",
  "usage.totals": "Ressources utilisées par les instances actives",
  "usage.totalsNote": "Dernière mesure de chacune des {count} instances actives mesurées, au {at}.",
  "usage.totalsNone": "Aucune instance active n'a encore été mesurée.",
  "usage.totalCpu": "Processeur (part d'un cœur)",
};
