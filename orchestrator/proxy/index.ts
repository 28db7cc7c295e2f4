// The reverse proxy in front of tenants (issue 14, first block): Caddy's admin-API client, the
// tenant route and hostname pattern, and the decision for on-demand TLS's `ask`.
export { caddyAdmin, CaddyAdminError, sameJson, TENANT_SERVER_ID, TENANT_SERVER_NAME, type CaddyAdmin, type UpsertOutcome } from "./caddy-admin.ts";
export {
  hostPatternProblem,
  parseHostPattern,
  hostnameForSlug,
  slugForHostname,
  tenantRoute,
  tenantRouteId,
  SLUG_PLACEHOLDER,
  TENANT_ROUTE_ID_PREFIX,
  type CaddyRoute,
  type HostPattern,
} from "./tenant-route.ts";
export { decideCertificateAsk, type AskDecision } from "./ask.ts";
export { ensureTenantTls, tenantTlsPolicy, TENANT_TLS_POLICY_ID, type AcmeIssuerSettings, type TenantTlsOutcome, type TenantTlsSettings } from "./tls-policy.ts";
