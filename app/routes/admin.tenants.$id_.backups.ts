// /admin/tenants/:id/backups: the tenant page's Backups card (issue 13). GET answers the card's data
// (JSON); POST takes its forms (take a backup, restore in place, restore into a new tenant), each
// queued as a job and audited with the admin as actor by the orchestrator. Operators and owners
// only: a viewer is refused (403) like every console action. Answers are in the admin's language.
import { tenantCardRoute } from "~/admin/tenant-card-route.server";
import { tenantBackupTranslator } from "~/i18n/tenant-backups";
import { applyBackupForm, tenantBackupCard } from "~/models/admin-tenant-backups.server";

const route = tenantCardRoute({
  readRole: "operator",
  translator: tenantBackupTranslator,
  missingKey: "backups.refused.missing",
  card: tenantBackupCard,
  applyForm: applyBackupForm,
});

export const loader = route.loader;
export const action = route.action;
