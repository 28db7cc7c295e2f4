// The console's upgrade forms (issue 13): one tenant (the tenant page's Version card) and several
// (the Upgrades page: all active tenants or a plan's, n at a time). The image reference is checked
// again by the orchestrator (requestUpgrade), which names what is wrong.
import { z } from "zod";

const image = z.string().trim().min(1).max(300);

export const tenantUpgradeForm = z.object({ image });

export const bulkUpgradeForm = z
  .object({
    image,
    scope: z.enum(["all", "plan"]),
    plan: z.string().trim().max(100).optional(),
    batch: z.coerce.number().int().min(1).max(50),
  })
  .refine((form) => form.scope === "all" || (form.plan ?? "") !== "", { path: ["plan"] });
