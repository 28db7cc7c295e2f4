// The admin console's frame: every page under /admin (but login and setup) needs a session.
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { requireAdmin } from "~/admin/session.server";
import { CsrfInput } from "~/components/csrf";
import { adminTranslator } from "~/i18n/admin-messages";
import { useLocale } from "~/root";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  return json({ admin: session.admin, csrf: session.csrfToken }, { headers: { "Cache-Control": "no-store" } });
}

/** The signed-in admin and the CSRF token, for any page inside the console. */
export function useAdmin() {
  return useRouteLoaderData<typeof loader>("routes/admin")!;
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
