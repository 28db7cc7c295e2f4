// The email operators get for an alert or a report (purpose "operator-notification"), in English
// or French. Unlike the customers' messages it greets no one by name: the notification's own
// wording (orchestrator/notify/messages.ts) arrives already in the operators' language, as a
// title, a paragraph and labelled values, and this file only frames it (subject, footer).
import type { Block, EmailContent } from "./content.ts";
import type { EmailLocale, OperatorNotificationEmailInput } from "./types.ts";

interface OperatorCopy {
  readonly labelSeparator: string;
  subject(vendorName: string, severity: OperatorNotificationEmailInput["severity"], title: string): string;
  readonly greeting: string;
  footer(vendorName: string, notificationId: string): string;
}

const en: OperatorCopy = {
  labelSeparator: ": ",
  subject: (vendor, severity, title) => `[${vendor}]${severity === "critical" ? " Alert:" : severity === "warning" ? " Warning:" : ""} ${title}`,
  greeting: "Hello,",
  footer: (vendor, id) => `You receive this message as an operator of ${vendor}. Notification ${id}.`,
};

// French: a non-breaking space before ":" and typographic apostrophes.
const fr: OperatorCopy = {
  labelSeparator: "\u00a0: ",
  subject: (vendor, severity, title) =>
    `[${vendor}]${severity === "critical" ? " Alerte\u00a0:" : severity === "warning" ? " Avertissement\u00a0:" : ""} ${title}`,
  greeting: "Bonjour,",
  footer: (vendor, id) => `Vous recevez ce message en tant qu’opérateur de la plateforme ${vendor}. Notification ${id}.`,
};

const COPY: Readonly<Record<EmailLocale, OperatorCopy>> = { en, fr };

export function composeOperatorNotification(message: OperatorNotificationEmailInput, locale: EmailLocale): EmailContent {
  const copy = COPY[locale];
  const fields: Block[] =
    message.fields.length > 0
      ? [{ kind: "fields", fields: message.fields.map((field) => ({ label: field.label, value: { kind: "text", text: field.value } })) }]
      : [];
  return {
    locale,
    subject: copy.subject(message.vendorName, message.severity, message.title),
    labelSeparator: copy.labelSeparator,
    blocks: [
      { kind: "paragraph", lines: [copy.greeting] },
      { kind: "paragraph", lines: message.text.split("\n") },
      ...fields,
      { kind: "paragraph", lines: [copy.footer(message.vendorName, message.notificationId)] },
    ],
  };
}
