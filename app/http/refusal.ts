// The short FR/EN pages the HTTP edge answers with when it refuses a request before Remix sees it
// (a body too large, a form posted from another site). The language comes from the same places as
// the pages' own: the `lang` cookie, then Accept-Language.
import type { Socket } from "node:net";
import type { Request, Response } from "express";
import { defaultLocale, localeFromAcceptLanguage, localeFromCookie } from "../i18n/locale";
import { translator, type MessageKey } from "../i18n/messages";

export type Refusal = "too_large" | "cross_site";

const STATUS: Record<Refusal, number> = { too_large: 413, cross_site: 403 };

export function sendRefusal(req: Request, res: Response, refusal: Refusal, options: { closeConnection?: boolean } = {}): void {
  const locale =
    localeFromCookie(req.get("Cookie") ?? null) ?? localeFromAcceptLanguage(req.get("Accept-Language") ?? null) ?? defaultLocale;
  const t = translator(locale);
  const title = escapeHtml(t(`refused.${refusal}.title` as MessageKey));
  const body = escapeHtml(t(`refused.${refusal}` as MessageKey));
  res.status(STATUS[refusal]);
  res.set({ "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  if (options.closeConnection) {
    res.set("Connection", "close");
    closeAfterLingering(req.socket);
  }
  res.end(
    `<!DOCTYPE html><html lang="${locale}"><head><meta charset="utf-8"><title>${title}</title></head>` +
      `<body><main><h1>${title}</h1><p>${body}</p><p><a href="/">${escapeHtml(t("refused.back"))}</a></p></main></body></html>`,
  );
}

// How long a refused client may keep sending after the answer, its bytes read and dropped.
const LINGER_MS = 2_000;

// After a "Connection: close" answer node closes the socket as soon as the answer is written. A
// client still sending its body would then get a reset, and its system may drop the answer it had
// not yet read: the user would see "connection reset" instead of the 413 page. So, like nginx's
// lingering close, the socket is shut for writing at once and destroyed a little later; meanwhile
// what still arrives is read and dropped (node discards it: nobody listens), never kept.
function closeAfterLingering(socket: Socket): void {
  socket.destroySoon = function lingerThenDestroy(this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
