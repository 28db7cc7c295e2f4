// The account page's forms (issue 12) as zod schemas: the plan picker, the typed confirmation of
// closing, and "send me my link"'s email. What fails to parse is refused with a notice, never a 500.
import { z } from "zod";

export const checkoutForm = z.object({
  plan: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  interval: z.enum(["month", "year"]),
});

export const closeForm = z.object({ confirm: z.string().max(200).default("") });

export const linkForm = z.object({ email: z.string().trim().max(254).pipe(z.email()).transform((email) => email.toLowerCase()) });
