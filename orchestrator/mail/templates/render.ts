// The one function the outbox calls: a message and a language in, subject, plain text and HTML
// out. Pure: no clock, no environment, no I/O, so the same input always gives the same e-mail.
import { composeEmail } from "./compose.ts";
import { composeOperatorNotification } from "./operator-notification.ts";
import { renderHtml } from "./render-html.ts";
import { renderText } from "./render-text.ts";
import { singleLine } from "./subject.ts";
import type { EmailLocale, EmailMessageInput, RenderedEmail } from "./types.ts";

export function renderEmail(message: EmailMessageInput, locale: EmailLocale): RenderedEmail {
  const composed = message.purpose === "operator-notification" ? composeOperatorNotification(message, locale) : composeEmail(message, locale);
  // The subject is made single-line before anything uses it, so the <title> matches the header.
  const content = { ...composed, subject: singleLine(composed.subject) };
  return { subject: content.subject, text: renderText(content), html: renderHtml(content) };
}
