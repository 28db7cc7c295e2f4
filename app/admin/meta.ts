// Admin pages' <title>, in the reader's language: the locale comes from the root loader's data
// (meta functions run before any component, so they cannot use the useLocale hook).
import type { MetaFunction } from "@remix-run/node";
import { adminTranslator, type AdminMessageKey } from "~/i18n/admin-messages";
import { defaultLocale, type Locale } from "~/i18n/locale";

type Matches = Parameters<MetaFunction>[0]["matches"];

export function metaLocale(matches: Matches): Locale {
  const root = matches.find((match) => match.id === "root")?.data as { locale?: Locale } | undefined;
  return root?.locale ?? defaultLocale;
}

/** "Tenantry — <page title>", the page title translated; `detail` (e.g. a slug) replaces it. */
export function adminTitle(matches: Matches, key: AdminMessageKey, detail?: string): string {
  return `Tenantry — ${detail ?? adminTranslator(metaLocale(matches))(key)}`;
}
