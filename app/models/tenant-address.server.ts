// A tenant's address as its customer reaches it (issue 14), shown on the status page and in the
// console: TENANT_URL's template filled in by the orchestrator's tenantAppUrl, as in the
// credentials email (http://<slug>.localhost:8080/ behind the quick start's Caddy,
// http://localhost:<port>/ on host ports). Null while there is none: destroyed, or no port yet
// when the template needs one.
import { tenantAppUrl } from "../../orchestrator/index.ts";

/** The first port lease, as the emails take it (orderBy createdAt). */
export const FIRST_PORT_LEASE = { select: { port: true }, orderBy: { createdAt: "asc" }, take: 1 } as const;

export function tenantAddress(template: string, tenant: { slug: string; actualState: string; portLeases: readonly { port: number }[] }): string | null {
  if (tenant.actualState === "destroyed") return null;
  const port = tenant.portLeases[0]?.port;
  if (port === undefined && template.includes("{port}")) return null;
  return tenantAppUrl(template, tenant.slug, port);
}
