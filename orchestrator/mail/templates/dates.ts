// Dates as words in the reader's language ("21 December 2026", "21 décembre 2026"), in UTC so
// the same message renders the same wherever the sender runs.
import type { EmailLocale } from "./types.ts";

// en-GB gives the day-month-year order used in the copy; en-US would say "December 21, 2026".
const INTL_LOCALES: Readonly<Record<EmailLocale, string>> = { en: "en-GB", fr: "fr-FR" };

export function formatLongDate(date: Date, locale: EmailLocale): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("cannot write an invalid date in an e-mail");
  const parts = new Intl.DateTimeFormat(INTL_LOCALES[locale], {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).formatToParts(date);
  // French writes the first day of a month as an ordinal: « 1er mars 2026 ».
  return parts.map((part) => (locale === "fr" && part.type === "day" && part.value === "1" ? "1er" : part.value)).join("");
}
