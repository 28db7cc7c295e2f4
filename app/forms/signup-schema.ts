// The signup form's rules, shared by the server (the authority) and the browser (which checks as
// the user types). Messages are keys of app/i18n/messages.ts, translated where they are shown.
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import { z } from "zod";
import { slugBase } from "~/models/slug";

export const signupFields = ["firstName", "lastName", "email", "company", "phone", "acceptTerms"] as const;
export type SignupField = (typeof signupFields)[number];

export const fieldMaxLength = {
  firstName: 100,
  lastName: 100,
  email: 254,
  company: 120,
  phone: 32,
} as const;

// Control characters (newlines, tabs, NUL…), line and paragraph separators and the bidirectional
// overrides have no place in a name: they would split log and email header lines or disguise text.
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const requiredText = (max: number) =>
  z
    .string({ message: "required" })
    .trim()
    .min(1, "required")
    .max(max, "too_long");

const singleLineText = (max: number) =>
  requiredText(max).refine((text) => !CONTROL_CHARACTERS.test(text), { message: "control_characters" });

export function makeSignupSchema(defaultPhoneCountry: string) {
  return z.object({
    firstName: singleLineText(fieldMaxLength.firstName),
    lastName: singleLineText(fieldMaxLength.lastName),
    email: requiredText(fieldMaxLength.email)
      .pipe(z.email("email_invalid"))
      .transform((email) => email.toLowerCase()),
    company: singleLineText(fieldMaxLength.company).refine((name) => slugBase(name) !== "" || /\p{L}|\p{N}/u.test(name), {
      message: "company_unusable",
    }),
    phone: requiredText(fieldMaxLength.phone).transform((raw, ctx) => {
      const number = parsePhoneNumberFromString(raw, defaultPhoneCountry as CountryCode);
      if (!number || !number.isValid()) {
        ctx.addIssue({ code: "custom", message: "phone_invalid" });
        return z.NEVER;
      }
      return number.number; // E.164
    }),
    acceptTerms: z.literal("on", { message: "terms" }),
  });
}

export type SignupData = z.output<ReturnType<typeof makeSignupSchema>>;
export type SignupErrorCode =
  | "required"
  | "too_long"
  | "email_invalid"
  | "phone_invalid"
  | "company_unusable"
  | "control_characters"
  | "terms";
export type SignupFieldErrors = Partial<Record<SignupField, SignupErrorCode>>;

export type SignupValidation =
  | { ok: true; data: SignupData }
  | { ok: false; errors: SignupFieldErrors };

/** Validates raw form values; the first problem of each field is kept. */
export function validateSignup(values: Record<string, unknown>, defaultPhoneCountry: string): SignupValidation {
  const result = makeSignupSchema(defaultPhoneCountry).safeParse(values);
  if (result.success) return { ok: true, data: result.data };
  const errors: SignupFieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as SignupField;
    errors[field] ??= (field === "acceptTerms" ? "terms" : issue.message) as SignupErrorCode;
  }
  return { ok: false, errors };
}
