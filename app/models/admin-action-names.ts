// The actions the console offers on a tenant: shared by the page and the server.
import type { AdminMessageKey } from "~/i18n/admin-messages";

export const ADMIN_ACTIONS = ["suspend", "resume", "restart", "retry", "resend", "extend", "plan", "destroy"] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export function actionLabelKey(action: AdminAction): AdminMessageKey {
  return `action.${action}`;
}
