// What orchestrator/index.ts exports of the tenant routes' second block (issue 14): the tenants'
// address with the proxy on (the portal's config builds its default tenants' address from it) and the
// suspended page (tests read it). Kept apart from proxy/index.ts, which the first block owns.
export { proxiedTenantUrl, listenPort, type TenantProxySettings } from "./route-steps.ts";
export { suspendedPageHtml } from "./route-suspended.ts";
