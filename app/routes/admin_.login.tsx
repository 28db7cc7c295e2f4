// The admin sign-in page. Attempts are counted per address and per (email, address) before any
// password is checked; past five, that address waits (app/admin/login-throttle.server.ts).
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { sessionCookie, sessionToken } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { attemptLogin, createSession, findSession, hasAnyAdmin, LOCK_MINUTES, MAX_FAILED_LOGINS, SESSION_DAYS } from "~/models/admin-auth.server";
import { useLocale } from "~/i18n/use-locale";
import { safeRedirectPath } from "~/http/safe-redirect";
import { adminTitle } from "~/admin/meta";
import { formValues } from "~/forms/admin/form-values";
import { parseLogin } from "~/forms/admin/login";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "login.title") }, { name: "robots", content: "noindex" }];

function safeRedirect(target: string | null): string {
  return safeRedirectPath(target, "/admin", "/admin");
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { services } = context;
  if (!(await hasAnyAdmin(services.prisma))) throw redirect("/admin/setup");
  const token = sessionToken(request);
  if (token && (await findSession(services.prisma, token, services.now()))) {
    throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  }
  return { redirectTo: new URL(request.url).searchParams.get("redirectTo") ?? "" };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { services } = context;
  const { email, password, redirectTo } = parseLogin(formValues(await request.formData()));
  const t = adminTranslator(resolveLocale(request));
  const outcome = await attemptLogin(services.prisma, email, password, context.clientIp, services.now());
  // One answer for a wrong password, an unknown email and a throttled attempt: the page must not
  // tell which emails are admins.
  if (outcome.kind === "refused") {
    return json({ error: t("login.refused", { max: MAX_FAILED_LOGINS, minutes: LOCK_MINUTES }), email }, { status: 401 });
  }
  if (outcome.kind === "busy") {
    return json({ error: t("login.busy"), email }, { status: 503, headers: { "Retry-After": "5" } });
  }
  const token = await createSession(services.prisma, outcome.admin.id, context.clientIp, request.headers.get("User-Agent") ?? "", services.now());
  return redirect(safeRedirect(redirectTo), {
    headers: { "Set-Cookie": sessionCookie(request, token, SESSION_DAYS * 86_400) },
  });
}

export default function AdminLogin() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = adminTranslator(useLocale());
  return (
    <section className="card">
      <h1>{t("login.title")}</h1>
      {result?.error ? (
        <div className="form-error" role="alert">
          {result.error}
        </div>
      ) : null}
      <Form method="post">
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <div className="field">
          <label htmlFor="email">{t("login.email")}</label>
          <input id="email" name="email" type="email" autoComplete="username" required defaultValue={result?.email ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="password">{t("login.password")}</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit">{t("login.submit")}</button>
      </Form>
    </section>
  );
}
