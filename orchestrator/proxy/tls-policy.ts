// HTTPS for tenants' hostnames (issue 14): Caddy's TLS set through its admin API on the tenants'
// server, in one of three modes. "on-demand": a tenant's certificate is requested on its first
// HTTPS request from an ACME certificate authority whose directory is a setting (Let's Encrypt in
// production, Pebble in the tests), and only after Tenantry's `ask` endpoint said the hostname is a
// live tenant's. "files": a certificate the vendor provides (a wildcard, for vendors above the ACME
// rate limits) loaded from PEM files and presented for every tenant, with no ACME at all. "off":
// plain HTTP, Caddy's automatic HTTPS turned off on that server. Every write looks first
// (ensureConfig, removeConfig), so running it at each boot and reconcile pass changes nothing the
// second time. The tenants' server itself must exist (route-steps.ts ensureServer creates it).
import type { CaddyAdmin, UpsertOutcome } from "./caddy-admin.ts";
import { TENANT_SERVER_ID } from "./caddy-admin.ts";

/** The @id of Tenantry's TLS automation policy in Caddy's tls app. */
export const TENANT_TLS_POLICY_ID = "tenantry-tenants-tls";
/** The @id of the vendor's certificate files in Caddy's tls app (files mode). */
export const TENANT_CERT_FILES_ID = "tenantry-tenants-certificate";
/** The tag Caddy gives the vendor's certificate, which the tenants' server selects by. */
export const TENANT_CERT_TAG = "tenantry-tenants";

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
    }
  | {
      mode: "files";
      /** PEM certificate (chain) covering the tenants' hostnames, e.g. for *.apps.vendor.com; Caddy reads it. */
      certFile: string;
      /** Its PEM private key. */
      keyFile: string;
    };

type Change = UpsertOutcome | "removed" | "absent";

export type TenantTlsOutcome =
  | { mode: "off"; automaticHttps: Change; tlsOnServer: Change; certificate: Change }
  | { mode: "on-demand"; automaticHttps: Change; tlsOnServer: Change; ask: Change; policy: Change; certificate: Change }
  | { mode: "files"; automaticHttps: Change; tlsOnServer: Change; certificate: Change; policy: Change };

/** Caddy's automation policy for tenants' hostnames: certificates on demand from the ACME issuer. */
export function tenantTlsPolicy(acme: AcmeIssuerSettings): Record<string, unknown> {
  const issuer: Record<string, unknown> = { module: "acme", ca: acme.directoryUrl };
  if (acme.email) issuer.email = acme.email;
  if (acme.caRootFile) issuer.trusted_roots_pem_files = [acme.caRootFile];
  // No subjects: the policy covers any name Caddy is asked for, and the ask endpoint decides.
  return { "@id": TENANT_TLS_POLICY_ID, on_demand: true, issuers: [issuer] };
}

/** The vendor's certificate files as Caddy's tls app loads them, tagged for the tenants' server. */
export function tenantCertificateFiles(certFile: string, keyFile: string): Record<string, unknown> {
  return { "@id": TENANT_CERT_FILES_ID, certificate: certFile, key: keyFile, format: "pem", tags: [TENANT_CERT_TAG] };
}

const SERVER = `/id/${TENANT_SERVER_ID}`;
const POLICIES = "/config/apps/tls/automation/policies";
const LOAD_FILES = "/config/apps/tls/certificates/load_files";

/** Puts the tenants' server's TLS in step with the settings (the server must exist). */
export async function ensureTenantTls(admin: CaddyAdmin, settings: TenantTlsSettings): Promise<TenantTlsOutcome> {
  if (settings.mode === "off") {
    // Caddy would otherwise serve TLS (and fetch certificates) for the routes' hostnames.
    const automaticHttps = await admin.ensureConfig(`${SERVER}/automatic_https`, { disable: true });
    const tlsOnServer = await removed(admin.removeConfig(`${SERVER}/tls_connection_policies`));
    const certificate = await removeFromList(admin, LOAD_FILES, TENANT_CERT_FILES_ID);
    return { mode: "off", automaticHttps, tlsOnServer, certificate };
  }
  if (settings.mode === "on-demand") {
    // Automatic HTTPS on (its default): the HTTP port redirects to HTTPS.
    const automaticHttps = await removed(admin.removeConfig(`${SERVER}/automatic_https`));
    // One empty connection policy: TLS on every listener of the server, whatever routes it holds yet,
    // so a hostname of no tenant is refused during the handshake instead of served in plain HTTP.
    const tlsOnServer = await admin.ensureConfig(`${SERVER}/tls_connection_policies`, [{}]);
    // Caddy 2.6 reads the ask URL here (later versions also accept a permission module).
    const ask = await admin.ensureConfig("/config/apps/tls/automation/on_demand/ask", settings.askUrl);
    const policy = await ensureInList(admin, POLICIES, TENANT_TLS_POLICY_ID, tenantTlsPolicy(settings.acme));
    // Files left from the files mode would be presented instead of asking for certificates.
    const certificate = await removeFromList(admin, LOAD_FILES, TENANT_CERT_FILES_ID);
    return { mode: "on-demand", automaticHttps, tlsOnServer, ask, policy, certificate };
  }
  // Files: no ACME for the tenants' names (redirects from the HTTP port stay), the vendor's
  // certificate loaded with our tag and the only one the tenants' server presents.
  const automaticHttps = await admin.ensureConfig(`${SERVER}/automatic_https`, { disable_certificates: true });
  const certificate = await ensureInList(admin, LOAD_FILES, TENANT_CERT_FILES_ID, tenantCertificateFiles(settings.certFile, settings.keyFile));
  const tlsOnServer = await admin.ensureConfig(`${SERVER}/tls_connection_policies`, [{ certificate_selection: { any_tag: [TENANT_CERT_TAG] } }]);
  // A policy left from on-demand would still let Caddy ask a CA for names the files do not cover.
  const policy = await removeFromList(admin, POLICIES, TENANT_TLS_POLICY_ID);
  return { mode: "files", automaticHttps, tlsOnServer, certificate, policy };
}

async function removed(done: Promise<boolean>): Promise<Change> {
  return (await done) ? "removed" : "absent";
}

/** The entries of an array at `path` ([] when absent). */
async function listAt(admin: CaddyAdmin, path: string): Promise<unknown[] | null> {
  const config = (await admin.readConfig()) as Record<string, unknown> | null;
  // Walk the already-read config rather than GET the path: a missing parent is not an error here.
  let value: unknown = config;
  for (const key of path.replace(/^\/config\//, "").split("/")) {
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  return Array.isArray(value) ? value : null;
}

function indexOfId(list: unknown[], id: string): number {
  return list.findIndex((p) => p && typeof p === "object" && (p as { "@id"?: unknown })["@id"] === id);
}

async function ensureInList(admin: CaddyAdmin, path: string, id: string, wanted: Record<string, unknown>): Promise<UpsertOutcome> {
  const list = await listAt(admin, path);
  if (!list) return admin.ensureConfig(path, [wanted]);
  const index = indexOfId(list, id);
  if (index >= 0) return admin.ensureConfig(`${path}/${index}`, wanted);
  // Appended: a vendor's own entries, earlier in the list, keep matching their names first.
  await admin.ensureConfig(path, [...list, wanted]);
  return "created";
}

async function removeFromList(admin: CaddyAdmin, path: string, id: string): Promise<Change> {
  const list = await listAt(admin, path);
  const index = list ? indexOfId(list, id) : -1;
  if (index < 0) return "absent";
  await admin.removeConfig(`${path}/${index}`);
  return "removed";
}
