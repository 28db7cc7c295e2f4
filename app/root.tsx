// The document around every page: language (resolved once by the loader, read with useLocale),
// the header with the language switch, styles and scripts; and the one error page.
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { resolveLocale, type Locale } from "~/i18n/locale";
import { useLocale } from "~/i18n/use-locale";
import { ErrorPage } from "~/components/error-page";
import { translator } from "~/i18n/messages";
import styles from "~/styles/app.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

export async function loader({ request }: LoaderFunctionArgs) {
  return { locale: resolveLocale(request) };
}

export function Layout({ children }: { children: ReactNode }) {
  const locale = useLocale();
  const t = translator(locale);
  const location = useLocation();
  const other: Locale = locale === "fr" ? "en" : "fr";
  const back = encodeURIComponent(location.pathname + location.search);
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <header className="site-header">
          <span className="brand">Tenantry</span>
          <Link to={`/lang/${other}?redirectTo=${back}`} lang={other} hrefLang={other} className="lang-switch">
            {t("lang.switch")}
          </Link>
        </header>
        <main>{children}</main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

// One error page for every route (403, 404 and 409 with their own words, FR/EN): see
// app/components/error-page.tsx. Routes override only the statuses they know.
export function ErrorBoundary() {
  return <ErrorPage error={useRouteError()} t={translator(useLocale())} />;
}
