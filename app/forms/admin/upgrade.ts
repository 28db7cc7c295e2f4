// The console's upgrade forms (issue 13): one tenant (the tenant page's Version card) and several
// (the Upgrades page: all active tenants or a plan's, n at a time). The image reference is checked
// here with the orchestrator's own pattern, so a mistyped one gets the form's translated refusal.
import { z } from "zod";
import { IMAGE_REFERENCE } from "../../../orchestrator/index.ts";

const image = z.string().trim().min(1).max(300).regex(IMAGE_REFERENCE);

export const tenantUpgradeForm = z.object({ image });

export const bulkUpgradeForm = z
  .object({
    image,
    scope: z.enum(["all", "plan"]),
    plan: z.string().trim().max(100).optional(),
    batch: z.coerce.number().int().min(1).max(50),
  })
  .refine((form) => form.scope === "all" || (form.plan ?? "") !== "", { path: ["plan"] });
