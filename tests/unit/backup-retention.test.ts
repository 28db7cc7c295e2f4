// Retention of tenant backups (orchestrator/tenant-backup/retention.ts), with dates: which
// backups a policy keeps among daily scheduled ones, manual ones, pre-* ones, and a destroyed
// tenant's.
import { describe, expect, it } from "vitest";
import { backupsToKeep, type RetentionCandidate } from "../../orchestrator/tenant-backup/retention.ts";

const policy = { daily: 7, weekly: 4, monthly: 6, fixedDays: 90 };
const at = (iso: string) => new Date(iso);
/** One scheduled backup a day at 02:00 UTC, `days` days back from `last` (included), id = its date. */
function dailyBackups(last: string, days: number): RetentionCandidate[] {
  const end = at(`${last}T02:00:00Z`).getTime();
  return Array.from({ length: days }, (_, i) => {
    const createdAt = new Date(end - i * 86_400_000);
    return { id: createdAt.toISOString().slice(0, 10), reason: "scheduled", createdAt };
  });
}

describe("backup retention", () => {
  it("keeps 7 daily, 4 weekly (Sundays: the newest of each ISO week) and 6 monthly (the newest of each month) of a year of daily backups", () => {
    const now = at("2026-12-03T03:00:00Z"); // a Thursday
    const kept = [...backupsToKeep(dailyBackups("2026-12-03", 365), policy, now)].sort();
    expect(kept).toEqual(
      [
        // daily: the last 7 days
        "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03",
        // weekly: this week's newest (12-03, already kept), then the Sundays ending the 3 weeks before
        "2026-11-22", "2026-11-15",
        // monthly: December's newest (12-03), November's (11-30), then the last day of the months before
        "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31",
      ].sort(),
    );
    // 11-29 is a Sunday already kept as a daily one: it also counts as its week's.
    expect(kept).toHaveLength(13);
  });

  it("with gaps, counts days that have a backup, not calendar days", () => {
    const backups = [
      { id: "a", reason: "scheduled", createdAt: at("2026-12-01T02:00:00Z") },
      { id: "b", reason: "scheduled", createdAt: at("2026-11-01T02:00:00Z") },
      { id: "c", reason: "scheduled", createdAt: at("2026-06-01T02:00:00Z") },
    ];
    expect([...backupsToKeep(backups, { ...policy, daily: 2, weekly: 0, monthly: 0 }, at("2026-12-03T00:00:00Z"))].sort()).toEqual(["a", "b"]);
  });

  it("keeps the newest of a day's several backups; manual backups rotate with scheduled ones", () => {
    const backups = [
      { id: "morning", reason: "scheduled", createdAt: at("2026-12-02T02:00:00Z") },
      { id: "evening", reason: "manual", createdAt: at("2026-12-02T18:00:00Z") },
      { id: "yesterday", reason: "scheduled", createdAt: at("2026-12-01T02:00:00Z") },
    ];
    expect([...backupsToKeep(backups, { ...policy, daily: 2, weekly: 1, monthly: 1 }, at("2026-12-03T00:00:00Z"))].sort()).toEqual(["evening", "yesterday"]);
  });

  it("keeps pre-upgrade, pre-restore and pre-termination backups for fixedDays, whatever the counts", () => {
    const now = at("2026-12-03T00:00:00Z");
    const backups = [
      { id: "latest", reason: "scheduled", createdAt: at("2026-12-02T02:00:00Z") },
      { id: "pre-upgrade-recent", reason: "pre-upgrade", createdAt: at("2026-11-20T10:00:00Z") },
      { id: "pre-restore-old", reason: "pre-restore", createdAt: at("2026-08-01T10:00:00Z") },
      { id: "pre-termination-89d", reason: "pre-termination", createdAt: new Date(now.getTime() - 89 * 86_400_000) },
    ];
    expect([...backupsToKeep(backups, { ...policy, daily: 1, weekly: 0, monthly: 0 }, now)].sort()).toEqual(["latest", "pre-termination-89d", "pre-upgrade-recent"]);
  });

  it("always keeps a living tenant's newest backup, even with every count at 0; a destroyed tenant's go after fixedDays", () => {
    const now = at("2026-12-03T00:00:00Z");
    const backups = [
      { id: "old-scheduled", reason: "scheduled", createdAt: at("2026-01-01T02:00:00Z") },
      { id: "final", reason: "pre-termination", createdAt: at("2026-11-30T02:00:00Z") },
      { id: "older-final", reason: "pre-termination", createdAt: at("2026-05-01T02:00:00Z") },
    ];
    const none = { daily: 0, weekly: 0, monthly: 0, fixedDays: 90 };
    expect([...backupsToKeep(backups.slice(0, 1), none, now)]).toEqual(["old-scheduled"]);
    expect([...backupsToKeep(backups, none, now, true)]).toEqual(["final"]);
    expect(backupsToKeep([], policy, now).size).toBe(0);
  });
});
