// The wording of operator notifications: every kind in English and French, built from its fields
// with the vendor's name; labels and formatted values (sizes, percentages, booleans, absent values).
import { describe, expect, it } from "vitest";
import type { NotificationKind } from "../../orchestrator/notify/alerts.ts";
import { formatValue, wordNotification, type StoredNotification } from "../../orchestrator/notify/messages.ts";

const base = { id: "n-1", severity: "critical", title: "stored title", createdAt: new Date("2026-12-03T10:00:00Z") };

const samples: Record<NotificationKind, StoredNotification["fields"]> = {
  "alert.provisioning_failed": { tenant: "acme-1", tenantId: "t-1", jobId: "job-9", reason: "image missing" },
  "alert.reconciliation_failed": { cause: "task_failed", task: "reconcile", period: "2026-12-03T10:00:00.000Z", attempts: 3, error: "engine down" },
  "alert.task_failed": { task: "usage", period: "2026-12-03T10:00:00.000Z", attempts: 3, error: "boom" },
  "alert.mail_backlog": { undelivered: 12, failed: 5, stuck: 7, threshold: 10, day: "2026-12-03" },
  "alert.backup_verification_failed": { tenant: "acme-1", tenantId: "t-1", backupId: "b-1", takenAt: "2026-12-02T02:00:00.000Z", error: "checksum does not match" },
  "alert.no_recent_backup": { tenant: "acme-1", tenantId: "t-1", since: "2026-12-01T02:00:00.000Z", schedule: "daily", latestAt: null },
  "report.weekly": {
    weekStart: "2026-11-23T07:00:00.000Z",
    weekEnd: "2026-11-30T07:00:00.000Z",
    signups: 4,
    conversions: 2,
    trialsEndingSoon: 3,
    failedJobs: 1,
    failedActions: 6,
    liveTenants: 9,
    tenantsMeasured: 8,
    cpuPercent: 12.34,
    memoryBytes: 3 * 1024 ** 3,
    diskBytes: 512 * 1024 ** 2,
  },
  test: { requestedAt: "2026-12-03T10:00:00.000Z" },
};

describe("notification wording", () => {
  for (const [kind, fields] of Object.entries(samples) as [NotificationKind, StoredNotification["fields"]][]) {
    it(`${kind}: a title with the vendor, a text from the fields, labelled fields, in en and fr`, () => {
      const en = wordNotification({ ...base, kind, fields }, "en", "Acme Cloud");
      const fr = wordNotification({ ...base, kind, fields }, "fr", "Acme Cloud");
      for (const wording of [en, fr]) {
        expect(wording.title.startsWith("Acme Cloud")).toBe(true);
        expect(wording.text.length).toBeGreaterThan(20);
        expect(wording.text).not.toContain("undefined");
        expect(wording.fields.map((f) => f.key)).toEqual(Object.keys(fields));
        // Every field a sentence could name is labelled, never shown by its key.
        for (const field of wording.fields) expect(field.label).not.toBe(field.key);
      }
      expect(en.title).not.toBe(fr.title);
      expect(en.text).not.toBe(fr.text);
      expect(en.severityLabel).toBe("Alert");
      expect(fr.severityLabel).toBe("Alerte");
    });
  }

  it("places the fields' values in the sentences", () => {
    const failed = wordNotification({ ...base, kind: "alert.provisioning_failed", fields: samples["alert.provisioning_failed"] }, "fr", "V");
    expect(failed.title).toBe("V\u00a0: Échec du provisionnement du tenant acme-1");
    expect(failed.text).toContain("(tâche job-9)\u00a0: image missing");
    const report = wordNotification({ ...base, kind: "report.weekly", fields: samples["report.weekly"] }, "en", "V");
    expect(report.text).toContain("4 signups, 2 conversions, 1 failed jobs and 6 failed actions");
    expect(report.text).toContain("3 trials end in the next 7 days");
    expect(report.title).toBe("V: Weekly report, 2026-11-23 07:00 UTC to 2026-11-30 07:00 UTC");
    expect(report.headline).toBe("Weekly report, 2026-11-23 07:00 UTC to 2026-11-30 07:00 UTC");
    expect(report.fields.find((f) => f.key === "memoryBytes")?.value).toBe("3 GiB");
    expect(report.fields.find((f) => f.key === "diskBytes")?.value).toBe("512 MiB");
    expect(report.fields.find((f) => f.key === "cpuPercent")?.value).toBe("12.3%");
  });

  it("says which reconciliation failed: the run, the engine, or one tenant's repairs", () => {
    const word = (fields: StoredNotification["fields"], locale: "en" | "fr") =>
      wordNotification({ ...base, kind: "alert.reconciliation_failed", fields }, locale, "V");
    const engine = { cause: "engine_unreachable", since: "2026-12-03T10:00:00.000Z", tenants: 4, error: "connect ENOENT" };
    expect(word(engine, "en").headline).toBe("The container engine does not answer");
    expect(word(engine, "en").text).toContain("Since 2026-12-03 10:00 UTC the engine does not answer (connect ENOENT); 4 tenant(s) are marked unreachable");
    expect(word(engine, "fr").headline).toBe("Le moteur de conteneurs ne répond pas");
    const flagged = { cause: "tenant_flagged", tenant: "acme-1", tenantId: "t-1", observed: "missing", services: "app", attempts: 2 };
    expect(word(flagged, "en").headline).toBe("Tenant acme-1 needs an operator");
    expect(word(flagged, "en").text).toContain("Tenant acme-1: app missing on the engine, and 2 repairs failed.");
    expect(word(flagged, "fr").text).toContain("app absent(s) sur le moteur, et 2 réparations ont échoué");
    for (const fields of [engine, flagged]) {
      for (const locale of ["en", "fr"] as const) {
        for (const field of word(fields, locale).fields) expect(field.label).not.toBe(field.key);
      }
    }
    expect(word(samples["alert.reconciliation_failed"], "en").headline).toBe("Reconciliation failed");
  });

  it("falls back to the stored title for a kind it does not know", () => {
    const unknown = wordNotification({ ...base, kind: "alert.something_new", fields: { x: 1 } }, "en", "V");
    expect(unknown.title).toBe("V: stored title");
    expect(unknown.headline).toBe("stored title");
    expect(unknown.fields).toEqual([{ key: "x", label: "x", value: "1" }]);
  });

  it("formats values for reading", () => {
    expect(formatValue("x", null, "en")).toBe("—");
    expect(formatValue("x", true, "fr")).toBe("oui");
    expect(formatValue("x", 1234567, "en")).toBe("1,234,567");
    expect(formatValue("cpuPercent", 5, "fr")).toBe("5\u00a0%");
    expect(formatValue("memoryBytes", 1536, "en")).toBe("1.5 KiB");
  });
});
