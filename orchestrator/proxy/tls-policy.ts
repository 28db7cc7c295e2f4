// HTTPS for tenants' hostnames (issue 14): Caddy's TLS automation set through its admin API so a
// tenant's certificate is requested on its first HTTPS request (on-demand TLS), from an ACME
// certificate authority whose directory is a setting (Let's Encrypt in production, Pebble in the
// tests), and only after Tenantry's `ask` endpoint said the hostname is a live tenant's. Every
// write looks first (ensureConfig), so running it at each boot changes nothing the second time.
import type { CaddyAdmin, UpsertOutcome } from "./caddy-admin.ts";
import { TENANT_SERVER_ID } from "./caddy-admin.ts";

/** The @id of Tenantry's TLS automation policy in Caddy's tls app. */
export const TENANT_TLS_POLICY_ID = "tenantry-tenants-tls";

export type AcmeIssuerSettings = {
  /** The ACME directory, e.g. https://acme-v02.api.letsencrypt.org/directory. */
  directoryUrl: string;
  /** A PEM file of the roots the ACME server's own HTTPS certificate chains to, when it is not a public one (Pebble's). */
  caRootFile?: string | undefined;
  /** The account's contact address (the CA's expiry notices). */
  email?: string | undefined;
};

export type TenantTlsSettings =
  | { mode: "off" }
  | {
      mode: "on-demand";
      /** Where Caddy asks before a certificate: the portal's /_caddy/ask (e.g. http://127.0.0.1:3000/_caddy/ask). */
      askUrl: string;
      acme: AcmeIssuerSettings;
      /** The tenants' server's HTTPS addresses, e.g. [":443"]. */
      listen: readonly string[];
    };

export type TenantTlsOutcome =
  | { mode: "off" }
  | { mode: "on-demand"; server: UpsertOutcome; tlsOnServer: UpsertOutcome; ask: UpsertOutcome; policy: UpsertOutcome };

/** Caddy's automation policy for tenants' hostnames: certificates on demand from the ACME issuer. */
export function tenantTlsPolicy(acme: AcmeIssuerSettings): Record<string, unknown> {
  const issuer: Record<string, unknown> = { module: "acme", ca: acme.directoryUrl };
  if (acme.email) issuer.email = acme.email;
  if (acme.caRootFile) issuer.trusted_roots_pem_files = [acme.caRootFile];
  // No subjects: the policy covers any name Caddy is asked for, and the ask endpoint decides.
  return { "@id": TENANT_TLS_POLICY_ID, on_demand: true, issuers: [issuer] };
}

/**
 * Puts Caddy in step with the settings: the tenants' server on its HTTPS addresses with TLS on,
 * the on-demand `ask` URL, and Tenantry's automation policy. Off: Caddy is left as it is.
 */
export async function ensureTenantTls(admin: CaddyAdmin, settings: TenantTlsSettings): Promise<TenantTlsOutcome> {
  if (settings.mode === "off") return { mode: "off" };
  if (settings.listen.length === 0) throw new Error("The tenants' HTTPS server needs at least one address to listen on, e.g. :443.");
  const server = await admin.ensureTenantServer(settings.listen);
  // One empty connection policy: TLS on every listener of the server, whatever routes it holds yet,
  // so a hostname of no tenant is refused during the handshake instead of served in plain HTTP.
  const tlsOnServer = await admin.ensureConfig(`/id/${TENANT_SERVER_ID}/tls_connection_policies`, [{}]);
  // Caddy 2.6 reads the ask URL here (later versions also accept a permission module).
  const ask = await admin.ensureConfig("/config/apps/tls/automation/on_demand/ask", settings.askUrl);
  const wanted = tenantTlsPolicy(settings.acme);
  const policy = await ensurePolicy(admin, wanted);
  return { mode: "on-demand", server, tlsOnServer, ask, policy };
}

async function ensurePolicy(admin: CaddyAdmin, wanted: Record<string, unknown>): Promise<UpsertOutcome> {
  const existing = (await admin.readConfig()) as { apps?: { tls?: { automation?: { policies?: unknown } } } } | null;
  const policies = existing?.apps?.tls?.automation?.policies;
  if (!Array.isArray(policies)) return admin.ensureConfig("/config/apps/tls/automation/policies", [wanted]);
  const index = policies.findIndex((p) => p && typeof p === "object" && (p as { "@id"?: unknown })["@id"] === TENANT_TLS_POLICY_ID);
  if (index >= 0) return admin.ensureConfig(`/config/apps/tls/automation/policies/${index}`, wanted);
  // Appended: a vendor's own policies, earlier in the list, keep matching their names first.
  const next = [...policies, wanted];
  await admin.ensureConfig("/config/apps/tls/automation/policies", next);
  return "created";
}
