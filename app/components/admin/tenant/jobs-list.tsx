// The tenant's last jobs, newest first and open: who asked, how it ended, each step with its
// duration, attempts and error.
import type { AdminTranslate } from "~/i18n/admin-messages";
import type { JobView } from "./types";

export function JobsList({ jobs, t }: { jobs: JobView[]; t: AdminTranslate }) {
  return (
    <div className="card" style={{ marginTop: "1rem" }}>
      <h2>{t("tenant.jobs")}</h2>
      {jobs.map((job, index) => (
        <details key={job.id} open={index === 0}>
          <summary>
            {job.kind} — <strong data-testid={index === 0 ? "latest-job-status" : undefined}>{job.status}</strong> —{" "}
            {t("tenant.requestedBy", { who: job.requestedBy ?? "system", when: job.createdAt.slice(0, 19).replace("T", " ") })}
            {job.lastError ? <span className="form-error" style={{ display: "block" }}>{job.lastError}</span> : null}
          </summary>
          <ol className="steps">
            {job.steps.map((s) => (
              <li key={s.id}>
                {s.name}: {s.status}
                {s.startedAt && s.finishedAt ? ` (${((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)} s)` : ""}
                {s.attempts > 1 ? t("tenant.attempts", { count: s.attempts }) : ""}
                {s.error ? <div className="form-error">{s.error}</div> : null}
              </li>
            ))}
          </ol>
        </details>
      ))}
    </div>
  );
}
