// The first-run form (app/routes/admin_.setup.tsx): the setup token, an email and a password typed
// twice. The schema gives the page its messages (keys of app/i18n/admin-messages.ts); the account
// rules stay enforced by the model too (app/models/admin-auth.server.ts), which the CLI also uses.
import { z } from "zod";
import type { AdminMessageKey } from "~/i18n/admin-messages";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

const text = z.string().catch("");

export const setupSchema = z
  .object({
    setupToken: text.transform((token) => token.trim()),
    email: text
      .transform((email) => email.trim())
      .pipe(z.string().max(254, "setup.email").regex(/^[^@\s]+@[^@\s]+$/, "setup.email")),
    password: text.pipe(z.string().min(PASSWORD_MIN, "setup.password.short").max(PASSWORD_MAX, "setup.password.long")),
    confirm: text,
  })
  .refine((form) => form.password === form.confirm, { path: ["confirm"], message: "setup.differ" });

export type SetupForm = z.output<typeof setupSchema>;
type SetupError = Extract<AdminMessageKey, "setup.email" | "setup.password.short" | "setup.password.long" | "setup.differ">;
const ERRORS: readonly SetupError[] = ["setup.email", "setup.password.short", "setup.password.long", "setup.differ"];

/** The form's values, or the first problem's message key; `email` is echoed back into the form. */
export function parseSetup(values: Record<string, string>): { ok: true; form: SetupForm } | { ok: false; error: SetupError; email: string } {
  const result = setupSchema.safeParse(values);
  if (result.success) return { ok: true, form: result.data };
  const message = result.error.issues[0]?.message;
  const error = ERRORS.find((key) => key === message) ?? "setup.email";
  return { ok: false, error, email: (values.email ?? "").slice(0, 254) };
}
