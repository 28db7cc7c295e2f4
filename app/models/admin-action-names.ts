// The actions the console offers on a tenant, and their labels: shared by the page and the server.
export const ADMIN_ACTIONS = ["suspend", "resume", "restart", "retry", "resend", "extend", "plan", "destroy"] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export function label(action: AdminAction): string {
  return {
    suspend: "Suspend",
    resume: "Resume",
    restart: "Restart",
    retry: "Retry provisioning",
    resend: "Resend credentials",
    extend: "Extend trial",
    plan: "Change plan",
    destroy: "Destroy",
  }[action];
}

