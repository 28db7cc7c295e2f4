// The signup form itself. Without JavaScript it is a plain form whose errors come back from the
// server; with JavaScript it checks each field, with the server's own schema, once the user has
// left it (and every field on submit), so mistakes show before anything is sent.
import { Form, Link, useNavigation } from "@remix-run/react";
import { useState, type FormEvent } from "react";
import {
  fieldMaxLength,
  validateSignup,
  type SignupErrorCode,
  type SignupField,
  type SignupFieldErrors,
} from "~/forms/signup-schema";
import type { Locale } from "~/i18n/locale";
import { translator, type MessageKey, type Translate } from "~/i18n/messages";

export type SignupFormError = "already_signed_up" | "rate_limited" | "busy" | "plan_full" | "server" | "rejected";

export interface SignupActionData {
  fieldErrors?: SignupFieldErrors;
  formError?: SignupFormError;
  retryAfterMinutes?: number;
  values: Partial<Record<SignupField, string>>;
}

interface Props {
  locale: Locale;
  signupKey: string;
  defaultPhoneCountry: string;
  actionData: SignupActionData | undefined;
}

export function SignupForm({ locale, signupKey, defaultPhoneCountry, actionData }: Props) {
  const t = translator(locale);
  const navigation = useNavigation();
  const submitting = navigation.state === "submitting";
  const values = actionData?.values ?? {};
  // Errors found in the browser replace the server's, field by field, once the user acts.
  const [clientErrors, setClientErrors] = useState<SignupFieldErrors | null>(null);
  const [touched, setTouched] = useState<ReadonlySet<SignupField>>(new Set());
  const errors = clientErrors ?? actionData?.fieldErrors ?? {};

  const check = (form: HTMLFormElement, fields: ReadonlySet<SignupField>) => {
    const result = validateSignup(Object.fromEntries(new FormData(form)), defaultPhoneCountry);
    const all: SignupFieldErrors = result.ok ? {} : result.errors;
    setClientErrors(Object.fromEntries([...fields].filter((f) => all[f]).map((f) => [f, all[f]])));
    return all;
  };

  const onBlur = (event: FormEvent<HTMLFormElement>) => {
    const name = (event.target as HTMLInputElement).name as SignupField;
    if (!(fieldMaxLength as Record<string, number>)[name] && name !== "acceptTerms") return;
    const next = new Set(touched).add(name);
    setTouched(next);
    check(event.currentTarget, next);
  };
  const onChange = (event: FormEvent<HTMLFormElement>) => {
    const name = (event.target as HTMLInputElement).name as SignupField;
    const next = name === "acceptTerms" ? new Set(touched).add(name) : touched;
    if (next !== touched) setTouched(next);
    if (next.size > 0) check(event.currentTarget, next);
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const everything = new Set<SignupField>(["firstName", "lastName", "email", "company", "phone", "acceptTerms"]);
    setTouched(everything);
    const found = check(event.currentTarget, everything);
    if (Object.keys(found).length > 0) event.preventDefault();
  };

  const summary = formErrorText(t, actionData) ?? summaryText(t, errors);
  return (
    <Form method="post" noValidate onBlur={onBlur} onChange={onChange} onSubmit={onSubmit} aria-describedby={summary ? "form-error" : undefined}>
      {summary ? (
        <div id="form-error" className="form-error" role="alert">
          {summary}
        </div>
      ) : null}
      <input type="hidden" name="signupKey" value={signupKey} />
      <div className="row">
        <TextField name="firstName" type="text" autoComplete="given-name" t={t} values={values} errors={errors} defaultPhoneCountry={defaultPhoneCountry} />
        <TextField name="lastName" type="text" autoComplete="family-name" t={t} values={values} errors={errors} defaultPhoneCountry={defaultPhoneCountry} />
      </div>
      <TextField name="email" type="email" autoComplete="email" t={t} values={values} errors={errors} defaultPhoneCountry={defaultPhoneCountry} />
      <TextField name="company" type="text" autoComplete="organization" t={t} values={values} errors={errors} defaultPhoneCountry={defaultPhoneCountry} />
      <TextField name="phone" type="tel" autoComplete="tel" t={t} values={values} errors={errors} defaultPhoneCountry={defaultPhoneCountry} hint={t("form.phoneHint")} />
      <div className="field checkbox">
        <input
          id="acceptTerms"
          name="acceptTerms"
          type="checkbox"
          required
          defaultChecked={values.acceptTerms === "on"}
          aria-invalid={errors.acceptTerms ? true : undefined}
          aria-describedby={errors.acceptTerms ? "acceptTerms-error" : undefined}
        />
        <label htmlFor="acceptTerms">
          {t("field.acceptTerms")} (<Link to="/terms" target="_blank">{t("field.terms.link")}</Link>)
        </label>
        {errors.acceptTerms ? (
          <p id="acceptTerms-error" className="field-error">
            {errorText(t, errors.acceptTerms, "acceptTerms", defaultPhoneCountry)}
          </p>
        ) : null}
      </div>
      <div className="hp" aria-hidden="true">
        <label htmlFor="website">Website</label>
        <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" />
      </div>
      <button type="submit" disabled={submitting}>
        {submitting ? t("form.submitting") : t("form.submit")}
      </button>
    </Form>
  );
}

type TextFieldName = Exclude<SignupField, "acceptTerms">;

function TextField(props: {
  name: TextFieldName;
  type: "text" | "email" | "tel";
  autoComplete: string;
  t: Translate;
  values: Partial<Record<SignupField, string>>;
  errors: SignupFieldErrors;
  defaultPhoneCountry: string;
  hint?: string;
}) {
  const { name, t } = props;
  const error = props.errors[name];
  const describedBy = [error ? `${name}-error` : null, props.hint ? `${name}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={name}>{t(`field.${name}` as MessageKey)}</label>
      <input
        id={name}
        name={name}
        type={props.type}
        autoComplete={props.autoComplete}
        required
        // Longer than the rule on purpose: the rule, not the browser, explains what is wrong.
        maxLength={fieldMaxLength[name] * 4}
        defaultValue={props.values[name] ?? ""}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint ? (
        <span id={`${name}-hint`} className="hint">
          {props.hint}
        </span>
      ) : null}
      {error ? (
        <p id={`${name}-error`} className="field-error">
          {errorText(t, error, name, props.defaultPhoneCountry)}
        </p>
      ) : null}
    </div>
  );
}

function errorText(t: Translate, code: SignupErrorCode, field: SignupField, country: string): string {
  const max = field === "acceptTerms" ? 0 : fieldMaxLength[field];
  return t(`error.${code}` as MessageKey, { max, country });
}

function summaryText(t: Translate, errors: SignupFieldErrors): string | null {
  const codes = Object.values(errors);
  if (codes.length === 0) return null;
  return codes.includes("required") ? t("error.summary.required") : t("error.summary.invalid");
}

function formErrorText(t: Translate, data: SignupActionData | undefined): string | null {
  switch (data?.formError) {
    case undefined:
      return null;
    case "already_signed_up":
      return t("error.already_signed_up");
    case "rate_limited":
      return `${t("error.rate_limited.title")}. ${t("error.rate_limited", { minutes: data.retryAfterMinutes ?? 60 })}`;
    case "server":
      return t("error.server");
    case "busy":
      return `${t("error.busy.title")}. ${t("error.busy")}`;
    case "plan_full":
      return t("error.plan_full");
    case "rejected":
      return t("error.rejected");
  }
}
