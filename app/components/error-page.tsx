// The page shown for an error a loader or an action threw (app/root.tsx's ErrorBoundary): 403,
// 404 and 409 each with their own title and words, in the reader's language, anything else as a
// general error. A thrown `json({ message }, { status })` replaces the status's general words
// with its message (already in the reader's language, e.g. "This tenant is destroyed; nothing more
// can be done to it."); a plain text body (a guard's English sentence) is never shown.
import { isRouteErrorResponse, Link, useLocation } from "@remix-run/react";
import type { MessageKey, Translate } from "~/i18n/messages";

const WORDS: Record<number, { title: MessageKey; body: MessageKey }> = {
  403: { title: "forbidden.title", body: "forbidden.body" },
  404: { title: "notFound.title", body: "notFound.body" },
  409: { title: "conflict.title", body: "conflict.body" },
};
const GENERAL = { title: "errorPage.title", body: "errorPage.body" } satisfies { title: MessageKey; body: MessageKey };

export function ErrorPage({ error, t }: { error: unknown; t: Translate }) {
  const location = useLocation();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const words = WORDS[status] ?? GENERAL;
  const data: unknown = isRouteErrorResponse(error) ? error.data : undefined;
  const message = typeof data === "object" && data !== null && typeof (data as { message?: unknown }).message === "string" ? (data as { message: string }).message : null;
  const home = location.pathname.startsWith("/admin") ? "/admin" : "/";
  return (
    <section className="card" data-testid="error-page" data-status={status}>
      <h1>{t(words.title)}</h1>
      <p>{message ?? t(words.body)}</p>
      <p>
        {/* A conflict: the same address, read again, shows the state that refused the action. */}
        {status === 409 ? <Link to={location.pathname} reloadDocument>{t("errorPage.current")}</Link> : <Link to={home}>{t("refused.back")}</Link>}
      </p>
    </section>
  );
}
