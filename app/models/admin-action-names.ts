// The actions the console offers on a tenant: shared by the page and the server.
import type { AdminMessageKey } from "~/i18n/admin-messages";

// retry_destroy: a destruction that failed, run again (the tenant is kept from every other action).
export const ADMIN_ACTIONS = ["suspend", "resume", "restart", "retry", "resend", "extend", "plan", "destroy", "retry_destroy"] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export function actionLabelKey(action: AdminAction): AdminMessageKey {
  return `action.${action}`;
}
