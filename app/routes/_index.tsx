// The public trial signup form. Works without JavaScript (a plain POST answered by the action);
// with it, the same schema checks each field as the user types.
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { SignupForm, type SignupActionData } from "~/components/signup-form";
import { signupFields, validateSignup } from "~/forms/signup-schema";
import { resolveLocale } from "~/i18n/locale";
import { translator } from "~/i18n/messages";
import { registerTrialSignup } from "~/models/signup.server";
import { useLocale } from "~/i18n/use-locale";

// Remix takes a document's headers from this function only: pass the action's on (Retry-After).
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export const meta: MetaFunction = () => [{ title: "Tenantry — Free trial / Essai gratuit" }];

const SIGNUP_KEY = /^[A-Za-z0-9-]{16,64}$/;

export async function loader({ context }: LoaderFunctionArgs) {
  return {
    signupKey: crypto.randomUUID(),
    defaultPhoneCountry: context.services.config.defaultPhoneCountry,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { services } = context;
  // Bodies over MAX_REQUEST_BODY_KB never get here (app/http/body-limit.ts answers 413).
  const form = await request.formData();
  const values = Object.fromEntries(
    signupFields.map((field) => [field, typeof form.get(field) === "string" ? String(form.get(field)) : ""]),
  );
  const echo = { ...values, acceptTerms: values.acceptTerms === "on" ? "on" : "" };

  // People never see the honeypot field; only a bot fills it.
  if (String(form.get("website") ?? "") !== "") {
    services.logger.warn("signup refused: honeypot filled", { ip: context.clientIp });
    services.metrics.signupRefused("honeypot");
    return json<SignupActionData>({ formError: "rejected", values: {} }, { status: 400 });
  }

  const validation = validateSignup(values, services.config.defaultPhoneCountry);
  if (!validation.ok) {
    services.metrics.signupRefused("invalid");
    return json<SignupActionData>({ fieldErrors: validation.errors, values: echo }, { status: 400 });
  }

  const submittedKey = String(form.get("signupKey") ?? "");
  const locale = resolveLocale(request);
  try {
    const outcome = await registerTrialSignup(services.prisma, validation.data, {
      ip: context.clientIp,
      userAgent: request.headers.get("User-Agent") ?? "",
      locale,
      signupKey: SIGNUP_KEY.test(submittedKey) ? submittedKey : crypto.randomUUID(),
      now: services.now(),
      trialDays: services.config.trialDays,
      termsVersion: services.config.termsVersion,
      rateLimitPerHour: services.config.signupRateLimitPerHour,
      maxPendingTenants: services.config.signupMaxPendingTenants,
      plan: { id: services.config.plans.defaultPlan.id, maxTenants: services.config.plans.defaultPlan.maxTenants },
    });
    // A replay (the same form sent twice) is neither a new signup nor a refusal.
    if (outcome.kind === "created") services.metrics.signupCreated();
    switch (outcome.kind) {
      case "created":
      case "replayed":
        return redirect(`/trial/${outcome.statusToken}`, 303);
      case "already-signed-up":
        services.metrics.signupRefused("already_signed_up");
        // Neither the plan nor the status link: anyone can type an address here.
        return json<SignupActionData>({ formError: "already_signed_up", values: echo }, { status: 409 });
      case "rate-limited":
        services.metrics.signupRefused("rate_limited");
        return json<SignupActionData>(
          { formError: "rate_limited", retryAfterMinutes: Math.ceil(outcome.retryAfterSeconds / 60), values: echo },
          { status: 429, headers: { "Retry-After": String(outcome.retryAfterSeconds) } },
        );
      case "busy":
        services.metrics.signupRefused("busy");
        services.logger.warn("signup refused: too many tenants wait for provisioning", {
          ip: context.clientIp,
          limit: services.config.signupMaxPendingTenants,
          hint: "raise SIGNUP_MAX_PENDING_TENANTS or PROVISIONING_CONCURRENCY if the worker keeps up",
        });
        return json<SignupActionData>(
          { formError: "busy", values: echo },
          { status: 503, headers: { "Retry-After": String(outcome.retryAfterSeconds) } },
        );
      case "plan-full":
        services.metrics.signupRefused("plan_full");
        services.logger.warn("signup refused: the default plan holds its maxTenants live tenants", {
          plan: services.config.plans.defaultPlan.id,
          maxTenants: services.config.plans.defaultPlan.maxTenants,
          hint: "raise the plan's maxTenants in PLANS_FILE, or free places",
        });
        return json<SignupActionData>({ formError: "plan_full", values: echo }, { status: 409 });
    }
  } catch (error) {
    services.logger.error("signup failed", { error, ip: context.clientIp });
    services.metrics.signupRefused("server_error");
    return json<SignupActionData>({ formError: "server", values: echo }, { status: 500 });
  }
}

export default function SignupPage() {
  const { signupKey, defaultPhoneCountry } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const locale = useLocale();
  const t = translator(locale);
  return (
    <section className="card">
      <h1>{t("site.title")}</h1>
      <p className="tagline">{t("site.tagline")}</p>
      <SignupForm
        locale={locale}
        signupKey={signupKey}
        defaultPhoneCountry={defaultPhoneCountry}
        actionData={actionData}
      />
    </section>
  );
}
