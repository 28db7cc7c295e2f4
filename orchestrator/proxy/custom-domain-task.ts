// The custom-domains task (issue 14): every reconciliation period (the reconcile task's interval), the
// DNS of each pending custom domain is checked again; one pointing at the target turns active and
// joins its tenant's route (custom-domains.ts). Each activation happens once (a conditional update
// with its audit entry), so a pass run twice changes nothing more. Present only when the feature
// is on (OrchestratorOptions.customDomains, with the proxy).
import { everyMinutes } from "../scheduler/periods.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { checkPendingCustomDomains, type CustomDomainDeps } from "./custom-domains.ts";

export const CUSTOM_DOMAINS_TASK = "custom-domains";

export function customDomainsTask(deps: CustomDomainDeps, intervalMinutes: number): ScheduledTask {
  return {
    name: CUSTOM_DOMAINS_TASK,
    description: "Checks the DNS of pending custom domains; one pointing at the target is enabled in its tenant's route",
    period: everyMinutes(intervalMinutes),
    async run({ signal, logger }) {
      const summary = await checkPendingCustomDomains({ ...deps, logger }, signal);
      if (summary.activated > 0) logger.info("custom domains enabled", summary);
      return summary;
    },
  };
}
