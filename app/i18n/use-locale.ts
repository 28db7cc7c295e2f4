// The reader's language, for any component: the root loader resolved it (lang cookie, then
// Accept-Language). A module of its own so that pages never import the root route to get it.
import { useRouteLoaderData } from "@remix-run/react";
import { defaultLocale, isLocale, type Locale } from "./locale";

export function useLocale(): Locale {
  const locale = (useRouteLoaderData("root") as { locale?: unknown } | undefined)?.locale;
  return isLocale(locale) ? locale : defaultLocale;
}
