// The custom-domains task (issue 14): every reconciliation period (the reconcile task's interval), the
// DNS of each pending custom domain is checked again; one pointing at the target turns active and
// joins its tenant's route. Active domains are checked again every few hours (custom-domain-pass.ts):
// one whose record moved elsewhere is marked and still served, disabled after a grace (the customer
// emailed), enabled again by itself once fixed. Each change happens once (a conditional update with
// its audit entry), so a pass run twice changes nothing more. Present only when the feature is on
// (OrchestratorOptions.customDomains, with the proxy).
import { everyMinutes } from "../scheduler/periods.ts";
import type { ScheduledTask } from "../scheduler/task.ts";
import { runCustomDomainPass } from "./custom-domain-pass.ts";
import type { CustomDomainDeps } from "./custom-domains.ts";

export const CUSTOM_DOMAINS_TASK = "custom-domains";

export function customDomainsTask(deps: CustomDomainDeps, intervalMinutes: number): ScheduledTask {
  return {
    name: CUSTOM_DOMAINS_TASK,
    description:
      "Checks the DNS of pending custom domains (one pointing at the target is enabled in its tenant's route) and, every few hours, of active ones (one pointing elsewhere is marked, then disabled after a grace)",
    period: everyMinutes(intervalMinutes),
    async run({ asOf, signal, logger }) {
      const summary = await runCustomDomainPass({ ...deps, logger }, asOf, signal);
      if (summary.activated + summary.misconfigured + summary.fixed + summary.disabled > 0) logger.info("custom domains changed", summary);
      return summary;
    },
  };
}
