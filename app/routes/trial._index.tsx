// GET/POST /trial: "send me my link" (issue 12). A customer who lost their account page's address
// types their email; a known address's instance gets a fresh link by email (the old one stops
// working: orchestrator.sendAccountLink, audited). The answer is the same whether the address is
// known or not; the only other answers are a malformed address and the rate limit per client address
// (ACCOUNT_LINK_RATE_LIMIT_PER_HOUR), which say nothing about the address either.
import { json, type ActionFunctionArgs, type HeadersFunction, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { formValues } from "~/forms/admin/form-values";
import { linkForm } from "~/forms/account";
import { accountTranslator } from "~/i18n/account";
import { useLocale } from "~/i18n/use-locale";
import { portalAddress } from "~/models/account-wiring.server";

export const meta: MetaFunction = () => [{ title: "Tenantry — Account / Espace client" }];

export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

type Answer = { sent?: true; error?: "invalid" | "limited"; minutes?: number; email?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const { services } = context;
  const values = formValues(await request.formData());
  const parsed = linkForm.safeParse(values);
  if (!parsed.success) return json<Answer>({ error: "invalid", email: (values.email ?? "").slice(0, 254) }, { status: 400 });
  const outcome = await services.orchestrator.sendAccountLink({
    email: parsed.data.email,
    ip: context.clientIp,
    perIpPerHour: services.config.account.linkRateLimitPerHour,
    accountUrl: (token) => portalAddress(services, request, `/trial/${token}`),
  });
  if (outcome.kind === "rate-limited") {
    return json<Answer>(
      { error: "limited", minutes: Math.ceil(outcome.retryAfterSeconds / 60) },
      { status: 429, headers: { "Retry-After": String(outcome.retryAfterSeconds) } },
    );
  }
  services.logger.info("account link asked for", { ip: context.clientIp });
  return json<Answer>({ sent: true });
}

export default function SendMyLink() {
  const answer = useActionData<typeof action>();
  const t = accountTranslator(useLocale());
  const busy = useNavigation().state !== "idle";
  return (
    <section className="card">
      <h1>{t("link.title")}</h1>
      <p className="muted">{t("link.intro")}</p>
      {answer?.sent ? (
        <p className="notice" role="status" data-testid="link-sent">
          {t("link.sent")}
        </p>
      ) : null}
      {answer?.error ? (
        <p className="form-error" role="alert" data-testid="link-error">
          {answer.error === "limited" ? t("link.limited", { minutes: answer.minutes ?? 60 }) : t("link.invalid")}
        </p>
      ) : null}
      <Form method="post">
        <div className="field">
          <label htmlFor="link-email">{t("link.email")}</label>
          <input id="link-email" name="email" type="email" autoComplete="email" required defaultValue={answer?.email ?? ""} />
        </div>
        <button type="submit" disabled={busy}>
          {t("link.submit")}
        </button>
      </Form>
    </section>
  );
}
