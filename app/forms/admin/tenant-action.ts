// The tenant page's action forms (app/components/admin/tenant/tenant-actions.tsx): one zod schema
// for every intent, parsed by the route's action before the model is called. Shape and ranges are
// checked here; what needs the database (the slug typed to confirm a destruction, the tenant's
// state) stays with the model (app/models/admin-actions.server.ts). Errors are keys of
// app/i18n/admin-messages.ts, translated where they are shown.
import { z } from "zod";
import type { AdminMessageKey } from "~/i18n/admin-messages";
import { ADMIN_ACTIONS, type AdminAction } from "~/models/admin-action-names";

export const DAYS_MIN = 1;
export const DAYS_MAX = 365;
export const DAYS_DEFAULT = 14;
/** A plan's name: 1 to 30 lowercase letters, digits or dashes, starting with a letter or digit. */
export const PLAN_NAME = /^[a-z0-9][a-z0-9-]{0,29}$/;

const withoutFields = (intent: Exclude<AdminAction, "destroy" | "extend" | "plan">) => z.object({ intent: z.literal(intent) });

export const tenantActionSchema = z.discriminatedUnion("intent", [
  withoutFields("suspend"),
  withoutFields("resume"),
  withoutFields("restart"),
  withoutFields("retry"),
  withoutFields("resend"),
  withoutFields("retry_destroy"),
  // Compared with the tenant's slug by the model; a slug is never longer.
  z.object({ intent: z.literal("destroy"), confirmSlug: z.string().trim().max(100).catch("") }),
  z.object({ intent: z.literal("extend"), days: z.coerce.number().int().min(DAYS_MIN).max(DAYS_MAX) }),
  z.object({ intent: z.literal("plan"), plan: z.string().trim().toLowerCase().regex(PLAN_NAME) }),
]);

export type TenantActionInput = z.output<typeof tenantActionSchema>;

// Which message a problem with each field gets.
const FIELD_ERRORS: Record<string, AdminMessageKey> = { days: "refused.days", plan: "refused.planName" };

export type TenantActionParse =
  | { ok: true; input: TenantActionInput }
  /** `intent` is null when the form named no known action (nothing to audit it under). */
  | { ok: false; intent: AdminAction | null; error: { key: AdminMessageKey; values?: Record<string, string> } };

export function parseTenantAction(values: Record<string, string>): TenantActionParse {
  const intent = values.intent ?? "";
  if (!(ADMIN_ACTIONS as readonly string[]).includes(intent)) {
    return { ok: false, intent: null, error: { key: "refused.unknown", values: { action: intent.slice(0, 40) } } };
  }
  const result = tenantActionSchema.safeParse(values);
  if (result.success) return { ok: true, input: result.data };
  const field = String(result.error.issues[0]?.path[0] ?? "");
  return { ok: false, intent: intent as AdminAction, error: { key: FIELD_ERRORS[field] ?? "refused.unknown", values: { action: intent } } };
}
