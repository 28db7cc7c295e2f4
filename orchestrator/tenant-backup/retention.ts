// Which tenant backups retention keeps (issue 13): a pure function of the backups, the policy and
// the time, unit-tested with dates (tests/unit/backup-retention.test.ts). The rules:
// - scheduled and manual backups: the newest backup of each of the last `daily` days that have
//   one, of each of the last `weekly` ISO weeks (Monday to Sunday, UTC), and of each of the last
//   `monthly` months (one backup may count for a day, its week and its month at once);
// - pre-upgrade, pre-restore and pre-termination backups: kept `fixedDays` days after they were
//   taken (the final dumps' retention days), then deleted;
// - the tenant's newest backup is always kept while the tenant lives;
// - a terminated (destroyed) tenant's backups, whatever their reason, are kept `fixedDays` days
//   after they were taken, then deleted: nothing of a former customer stays for ever.
// Only finished backups are candidates: running, failed and already deleted rows are not.
export interface RetentionCandidate {
  id: string;
  reason: string;
  createdAt: Date;
}

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
  /** Days a pre-* backup (or any backup of a destroyed tenant) is kept. */
  fixedDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ROTATED = new Set(["scheduled", "manual"]);

function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The Monday (UTC) of the ISO week holding `at`. */
function weekKey(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const back = (day.getUTCDay() + 6) % 7;
  return dayKey(new Date(day.getTime() - back * DAY_MS));
}

function monthKey(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The ids to keep among one tenant's finished backups. */
export function backupsToKeep(backups: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date, tenantDestroyed = false): Set<string> {
  const keep = new Set<string>();
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const young = (backup: RetentionCandidate) => now.getTime() - backup.createdAt.getTime() < policy.fixedDays * DAY_MS;
  if (tenantDestroyed) {
    for (const backup of newestFirst) if (young(backup)) keep.add(backup.id);
    return keep;
  }
  if (newestFirst[0]) keep.add(newestFirst[0].id);
  const buckets = [
    { count: policy.daily, key: dayKey, seen: new Set<string>() },
    { count: policy.weekly, key: weekKey, seen: new Set<string>() },
    { count: policy.monthly, key: monthKey, seen: new Set<string>() },
  ];
  for (const backup of newestFirst) {
    if (!ROTATED.has(backup.reason)) {
      if (young(backup)) keep.add(backup.id);
      continue;
    }
    for (const bucket of buckets) {
      const key = bucket.key(backup.createdAt);
      if (bucket.seen.size < bucket.count && !bucket.seen.has(key)) {
        bucket.seen.add(key);
        keep.add(backup.id);
      }
    }
  }
  return keep;
}
