// The tenant page's data as its components receive it (JSON from the route's loader), named once
// here from the model and the orchestrator's public types, so no component imports a route.
import type { SerializeFrom } from "@remix-run/node";
import type { ContainerUsage, StackStatus } from "../../../../orchestrator/index.ts";
import type { tenantAudit, tenantDetail } from "~/models/admin-tenants.server";

export type TenantView = SerializeFrom<NonNullable<Awaited<ReturnType<typeof tenantDetail>>>>;
export type JobView = TenantView["jobs"][number];
/** The engine's view of the stack, or why the engine could not say. */
export type StackView = SerializeFrom<StackStatus> | { error: string };
export type UsageView = SerializeFrom<ContainerUsage>;
export type AuditEntryView = Omit<SerializeFrom<Awaited<ReturnType<typeof tenantAudit>>[number]>, "id"> & { id: string };
