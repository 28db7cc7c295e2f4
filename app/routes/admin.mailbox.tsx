// The development mailbox (email kept here while no SMTP server is configured), and the outbox's
// failed messages, which an operator can send again. Messages carry customers' temporary
// passwords: their text reaches the browser of operators and owners only, never of a viewer.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { DEV_MAILBOX_RETENTION_MS, retryFailedEmail } from "~/models/mailbox.server";
import { audit } from "~/models/admin-auth.server";
import { adminTitle } from "~/admin/meta";
import { assertCsrf, hasRole, requireAdmin, requireRole } from "~/admin/session.server";
import { CsrfInput } from "~/components/csrf";
import { formValues } from "~/forms/admin/form-values";
import { parseMailboxRetry } from "~/forms/admin/mailbox-retry";
import { adminTranslator } from "~/i18n/admin-messages";
import { resolveLocale } from "~/i18n/locale";
import { useLocale } from "~/i18n/use-locale";
import { useAdmin } from "~/admin/use-admin";

export const meta: MetaFunction = ({ matches }) => [{ title: adminTitle(matches, "nav.mailbox") }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const { config, prisma, orchestrator } = context.services;
  const canRead = hasRole(session, "operator");
  const [stored, failed] = await Promise.all([
    orchestrator.readDevMailbox(),
    prisma.emailOutbox.findMany({
      where: { status: "failed" },
      orderBy: { createdAt: "desc" },
      take: 50,
      select: { id: true, toAddress: true, subject: true, lastError: true, attempts: true, createdAt: true },
    }),
  ]);
  // A viewer gets who and what, never the text (where the temporary passwords are).
  const messages = stored.reverse().map((m) => ({ date: m.date, to: m.to, subject: m.subject, text: canRead ? m.text : null }));
  return json({
    smtp: Boolean(config.mail.smtpUrl),
    messages,
    failed,
    canAct: canRead,
    retentionHours: Math.round(DEV_MAILBOX_RETENTION_MS / 3_600_000),
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await requireAdmin(request, context.services);
  const form = await request.formData();
  assertCsrf(form, session);
  requireRole(session, "operator");
  const retry = parseMailboxRetry(formValues(form));
  const id = retry?.emailId ?? "";
  const retried = retry !== null && (await retryFailedEmail(context.services.prisma, retry.emailId, context.services.now()));
  await audit(context.services.prisma, session.admin.email, "admin.email_retry", retried ? "queued" : "refused", { emailId: id });
  const t = adminTranslator(resolveLocale(request));
  return json({ message: t(retried ? "mailbox.retried" : "mailbox.notFailed") });
}

export default function MailboxPage() {
  const { smtp, messages, failed, canAct, retentionHours } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { csrf } = useAdmin();
  const t = adminTranslator(useLocale());
  return (
    <section>
      <h1>{t("nav.mailbox")}</h1>
      {result ? <div className="notice">{result.message}</div> : null}
      {failed.length > 0 ? (
        <div className="card">
          <h2>{t("mailbox.failed")}</h2>
          <table className="list">
            <tbody>
              {failed.map((m) => (
                <tr key={m.id}>
                  <td>{m.toAddress}</td>
                  <td>{m.subject}</td>
                  <td className="form-error">{m.lastError}</td>
                  <td>
                    {canAct ? (
                      <Form method="post">
                        <CsrfInput token={csrf} />
                        <input type="hidden" name="emailId" value={m.id} />
                        <button type="submit">{t("mailbox.retry")}</button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {smtp ? (
        <p className="muted">{t("mailbox.smtp")}</p>
      ) : (
        <div className="card" style={{ marginTop: "1rem" }}>
          <h2>{t("mailbox.dev", { count: messages.length })}</h2>
          <p className="muted">
            {t("mailbox.retention", { hours: retentionHours })} {canAct ? null : t("mailbox.bodiesHidden")}
          </p>
          {messages.map((m, i) => (
            <details key={`${m.date}-${i}`} open={i === 0} data-testid="mail">
              <summary>
                {m.date.slice(0, 19).replace("T", " ")} — {m.to} — <strong>{m.subject}</strong>
              </summary>
              {m.text === null ? null : <pre style={{ whiteSpace: "pre-wrap" }}>{m.text}</pre>}
            </details>
          ))}
        </div>
      )}
    </section>
  );
}
