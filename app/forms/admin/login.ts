// The sign-in form. It never refuses a shape on its own: every refusal must be the one answer the
// model gives for a wrong password, an unknown email and a throttled address (and be counted by the
// throttle), so missing fields are read as empty and the model decides.
import { z } from "zod";

const text = z.string().catch("");

export const loginSchema = z.object({ email: text, password: text, redirectTo: text });
export type LoginForm = z.output<typeof loginSchema>;

export function parseLogin(values: Record<string, string>): LoginForm {
  return loginSchema.parse(values);
}
