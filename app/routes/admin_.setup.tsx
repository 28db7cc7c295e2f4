// First run: creates the first owner account, for whoever holds the one-time setup token that the
// portal printed in its log at boot (app/admin/first-run.server.ts). Once any admin exists this
// page is gone (404); further accounts come from `npm run admin:create`.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData } from "@remix-run/react";
import { createFirstOwner } from "~/admin/first-run.server";
import { adminTitle } from "~/admin/meta";
import { sessionCookie } from "~/admin/session.server";
import { adminTranslator } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { AdminInputError, createSession, hasAnyAdmin, SESSION_DAYS } from "~/models/admin-auth.server";
import { useLocale } from "~/i18n/use-locale";
import { formValues } from "~/forms/admin/form-values";
import { parseSetup, PASSWORD_MIN } from "~/forms/admin/setup";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "setup.title") }, { name: "robots", content: "noindex" }];

export async function loader({ context }: LoaderFunctionArgs) {
  if (await hasAnyAdmin(context.services.prisma)) throw new Response("Not found", { status: 404 });
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { services } = context;
  if (await hasAnyAdmin(services.prisma)) throw new Response("Not found", { status: 404 });
  const t = adminTranslator(resolveLocale(request));
  const parsed = parseSetup(formValues(await request.formData()));
  if (!parsed.ok) return json({ error: t(parsed.error), email: parsed.email }, { status: 400 });
  const { email, password, setupToken } = parsed.form;
  try {
    const outcome = await createFirstOwner(services.prisma, { email, password, token: setupToken }, context.clientIp);
    if (outcome.kind === "closed") throw new Response("Not found", { status: 404 });
    if (outcome.kind === "token") return json({ error: t("setup.token.wrong"), email }, { status: 403 });
    const token = await createSession(services.prisma, outcome.admin.id, context.clientIp, request.headers.get("User-Agent") ?? "", services.now());
    return redirect("/admin", { headers: { "Set-Cookie": sessionCookie(request, token, SESSION_DAYS * 86_400) } });
  } catch (error) {
    if (error instanceof AdminInputError) return json({ error: t(`setup.${error.code}`), email }, { status: 400 });
    throw error;
  }
}

export default function AdminSetup() {
  const result = useActionData<typeof action>();
  const t = adminTranslator(useLocale());
  return (
    <section className="card">
      <h1>{t("setup.title")}</h1>
      <p className="muted">{t("setup.note")}</p>
      {result?.error ? <div className="form-error" role="alert">{result.error}</div> : null}
      <Form method="post">
        <div className="field">
          <label htmlFor="setupToken">{t("setup.token")}</label>
          <input id="setupToken" name="setupToken" type="text" required autoComplete="off" spellCheck={false} />
          <p className="muted">{t("setup.token.help")}</p>
        </div>
        <div className="field">
          <label htmlFor="email">{t("login.email")}</label>
          <input id="email" name="email" type="email" required defaultValue={result?.email ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="password">{t("setup.password")}</label>
          <input id="password" name="password" type="password" minLength={PASSWORD_MIN} required autoComplete="new-password" />
        </div>
        <div className="field">
          <label htmlFor="confirm">{t("setup.confirm")}</label>
          <input id="confirm" name="confirm" type="password" minLength={PASSWORD_MIN} required autoComplete="new-password" />
        </div>
        <button type="submit">{t("setup.submit")}</button>
      </Form>
    </section>
  );
}
