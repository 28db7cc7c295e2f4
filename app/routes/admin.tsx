// The admin console's frame: every page under /admin (but login and setup) needs a session. Its
// data (the admin and the CSRF token) reaches the pages through useAdmin (app/admin/use-admin.ts).
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import type { ConsoleSession } from "~/admin/use-admin";
import { CsrfInput } from "~/components/csrf";
import { ErrorPage } from "~/components/error-page";
import { adminTranslator } from "~/i18n/admin-messages";
import { translator } from "~/i18n/messages";
import { useLocale } from "~/i18n/use-locale";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const data: ConsoleSession = { admin: { email: session.admin.email, role: session.admin.role }, csrf: session.csrfToken };
  return json(data, { headers: { "Cache-Control": "no-store" } });
}

export default function AdminLayout() {
  const { admin, csrf } = useLoaderData<typeof loader>();
  const t = adminTranslator(useLocale());
  return (
    <div className="admin">
      <nav className="admin-nav card" style={{ padding: "0.8rem 1.2rem", marginBottom: "1rem" }}>
        <NavLink to="/admin" end>{t("nav.dashboard")}</NavLink>
        <NavLink to="/admin/tenants">{t("nav.tenants")}</NavLink>
        <NavLink to="/admin/audit">{t("nav.audit")}</NavLink>
        <NavLink to="/admin/mailbox">{t("nav.mailbox")}</NavLink>
        <NavLink to="/admin/engine">{t("nav.engine")}</NavLink>
        <NavLink to="/admin/tasks">{t("nav.tasks")}</NavLink>
        <NavLink to="/admin/notifications">{t("nav.notifications")}</NavLink>
        <span style={{ marginLeft: "auto" }} className="muted" data-testid="whoami">
          {`${admin.email} (${admin.role})`}
        </span>
        <Form method="post" action="/admin/logout">
          <CsrfInput token={csrf} />
          <button type="submit" className="link-button">{t("nav.signOut")}</button>
        </Form>
      </nav>
      <Outlet />
    </div>
  );
}

// The console's pages' errors (403, 404, 409…) are shown here rather than by the root: when an
// action throws, Remix reloads only the routes above the boundary that shows the error, so the
// root's loader (the reader's language) runs, and the page speaks French to a French reader.
export function ErrorBoundary() {
  return <ErrorPage error={useRouteError()} t={translator(useLocale())} />;
}
