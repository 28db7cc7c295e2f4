// How the console shows what the reconciler saw of a tenant: its observed state as a badge, and
// its attention reason (a code written by the reconciler, orchestrator/reconcile/drift.ts) as a
// sentence in the reader's language. Shared by the engine page and the tenant page.
import type { AdminMessageKey, AdminTranslate } from "~/i18n/admin-messages";

const OBSERVED: Record<string, AdminMessageKey> = {
  running: "observed.running",
  stopped: "observed.stopped",
  missing: "observed.missing",
  unreachable: "observed.unreachable",
};

export function ObservedBadge({ state, t }: { state: string | null; t: AdminTranslate }) {
  const key = state ? OBSERVED[state] : undefined;
  return (
    <span className={`badge ${state === "running" ? "active" : state ? "failed" : ""}`} data-testid="observed-state" data-observed={state ?? ""}>
      {key ? t(key) : state ?? t("observed.none")}
    </span>
  );
}

/** "repairs_failed:missing:app" → the sentence; any other reason is shown as written. */
export function attentionSentence(reason: string, t: AdminTranslate): string {
  const [code, state = "", services = ""] = reason.split(":");
  if (code === "repairs_failed") {
    const stateWord = OBSERVED[state] ? t(OBSERVED[state]) : state;
    return t("attention.repairsFailed", { services: services.replaceAll(",", ", "), state: stateWord });
  }
  return t("attention.other", { reason });
}

/** "2026-12-03T12:15:00.000Z" → "2026-12-03 12:15" (the console's times are UTC). */
export function utcMinute(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace("T", " ") : "—";
}
