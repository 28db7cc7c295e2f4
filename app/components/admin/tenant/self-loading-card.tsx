// What the tenant page's self-loading cards (Backups, Version) share: the card's data fetched from
// its resource route (tenant-card-route.server.ts) on first render and again after each answer to
// one of its forms, refreshed every 2 s while the card says a job is pending (`busy`), and the
// form's answer (an error or a message) shown under the card for screen readers too.
import { useFetcher } from "@remix-run/react";
import { useEffect } from "react";

export type CardAnswer = { message?: string; error?: string };
const REFRESH_EVERY_MS = 2000;

/** The card's data fetcher and the fetcher its forms post through, wired to reload each other. */
export function useSelfLoadingCard<Card extends { busy: boolean }>(action: string) {
  const card = useFetcher<Card>();
  const form = useFetcher<CardAnswer>();
  const { load } = card;
  const busy = card.data?.busy ?? false;
  // First load, a reload after each answer, and a refresh while a job is pending.
  useEffect(() => {
    if (form.state === "idle") load(action);
  }, [action, load, form.state, form.data]);
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => load(action), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [action, load, busy]);
  return { data: card.data, form };
}

/** The last answer of the card's forms; `testId` names its two paragraphs (`<testId>-error`, `<testId>-result`). */
export function CardAnswerLine({ answer, testId }: { answer: CardAnswer | undefined; testId: string }) {
  return (
    <div aria-live="polite">
      {answer?.error ? <p className="form-error" role="alert" data-testid={`${testId}-error`}>{answer.error}</p> : null}
      {answer?.message ? <p role="status" data-testid={`${testId}-result`}>{answer.message}</p> : null}
    </div>
  );
}
