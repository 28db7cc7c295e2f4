// /admin/tenants/:id/upgrade: the tenant page's Version card (issue 13). GET answers the card's data
// (JSON: the app image it runs, its upgrades), for every admin; POST takes the upgrade form (a new
// image for this tenant), operators and owners only, queued and audited by the orchestrator with
// the admin as actor. Answers are in the admin's language.
import { tenantCardRoute } from "~/admin/tenant-card-route.server";
import { upgradeTranslator } from "~/i18n/upgrades";
import { applyTenantUpgradeForm, tenantVersionCard } from "~/models/admin-upgrades.server";

const route = tenantCardRoute({
  translator: upgradeTranslator,
  missingKey: "upgrades.refused.missing",
  card: tenantVersionCard,
  applyForm: applyTenantUpgradeForm,
});

export const loader = route.loader;
export const action = route.action;
