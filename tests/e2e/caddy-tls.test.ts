// HTTPS per tenant from the vendor's own certificate (issue 14: "a wildcard certificate the vendor
// provides as files", for vendors above the ACME rate limits). openssl makes a root and a
// certificate for *.files.test signed by it in the test's folder; the real portal starts with
// TENANT_TLS=files, TENANT_TLS_CERT_FILE and TENANT_TLS_KEY_FILE, and puts in Debian's `caddy`
// (started with nothing but its admin address) the files to load (tagged, with an @id) and the
// tenants' server presenting only them. A tenant's hostname is then served with that certificate,
// which node verifies against the test's root alone; no certificate authority is ever asked (no ACME
// policy, nothing in Caddy's certificate storage). A tiny HTTP server stands in for the tenant's
// app, whose route the test writes as a job would (tests/docker/caddy-routes.test.ts shows the jobs').
// Also: a vendor's own loaded certificate stays first and Tenantry's entries are found by @id (once),
// a change of mode takes Tenantry's entries out, and a portal whose Caddy does not answer still
// starts, with a warning.
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyAdmin, ensureTenantTls, tenantRoute } from "../../orchestrator/index.ts";
import { caddyOnFreePorts, httpsGet, run, storedCertificateNames, tlsAutomation, waitFor, type Caddy } from "../support/caddy-process.ts";
import { freePort, startPortal, type Portal } from "../support/portal.ts";

describe("TENANT_TLS=files: the vendor's wildcard certificate, loaded by Caddy as the portal says", () => {
  let dir: string;
  let caddy: Caddy;
  let portal: Portal;
  let app: Server;
  let root: string;
  let rootFile: string;
  let rootKey: string;
  let certFile: string;
  let keyFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-caddy-files-"));
    // A root of the test's own, and the wildcard it signs (as a vendor's CA-issued one would be).
    rootKey = path.join(dir, "root.key");
    rootFile = path.join(dir, "root.pem");
    await run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=Tenantry test root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
      "-keyout", rootKey, "-out", rootFile,
    ]);
    keyFile = path.join(dir, "wildcard.key");
    certFile = path.join(dir, "wildcard.pem");
    const csr = path.join(dir, "wildcard.csr");
    await run("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=*.files.test", "-keyout", keyFile, "-out", csr]);
    const ext = path.join(dir, "wildcard.ext");
    await writeFile(ext, "subjectAltName=DNS:*.files.test\nextendedKeyUsage=serverAuth\n");
    await run("openssl", ["x509", "-req", "-in", csr, "-CA", rootFile, "-CAkey", rootKey, "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", certFile]);
    root = await readFile(rootFile, "utf8");

    caddy = await caddyOnFreePorts(dir);
    portal = await startPortal({
      WORKER: "true",
      SCHEDULER: "false",
      CADDY_ADMIN_URL: caddy.adminUrl,
      TENANT_HOST_PATTERN: "{slug}.files.test",
      TENANT_TLS: "files",
      TENANT_TLS_CERT_FILE: certFile,
      TENANT_TLS_KEY_FILE: keyFile,
      TENANT_PROXY_LISTEN: `127.0.0.1:${caddy.httpsPort}`,
    });
    app = createServer((_req, res) => res.end("acme's login page"));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  });

  afterAll(async () => {
    await portal?.stop();
    await caddy?.stop();
    if (app) await new Promise((resolve) => app.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const server = async () => (await fetch(`${caddy.adminUrl}/id/tenantry-tenants`).then((r) => r.json())) as Record<string, unknown>;

  it("the portal loads the files in Caddy at start and has the tenants' server present only them", async () => {
    await waitFor("the portal's certificate files in Caddy", caddy.process, async () => JSON.stringify(await server()).includes("certificate_selection"));
    expect(await server()).toMatchObject({
      listen: [`127.0.0.1:${caddy.httpsPort}`],
      automatic_https: { disable_certificates: true },
      tls_connection_policies: [{ certificate_selection: { any_tag: ["tenantry-tenants"] } }],
    });
    const loaded = await fetch(`${caddy.adminUrl}/id/tenantry-tenants-certificate`).then((r) => r.json());
    expect(loaded).toEqual({ "@id": "tenantry-tenants-certificate", certificate: certFile, key: keyFile, format: "pem", tags: ["tenantry-tenants"] });
  });

  it("a tenant's hostname is served with the wildcard, verified against the vendor's root; no CA is asked", async () => {
    const admin = caddyAdmin(caddy.adminUrl);
    const port = (app.address() as { port: number }).port;
    expect(await admin.upsertRoute(tenantRoute({ tenantId: "t-files", hostnames: ["acme.files.test"], upstream: `127.0.0.1:${port}` }))).toBe("created");

    const answer = await httpsGet(caddy.httpsPort, "acme.files.test", root);
    expect(answer).toMatchObject({ status: 200, body: "acme's login page", subject: "*.files.test", subjectAltName: "DNS:*.files.test", issuer: "Tenantry test root" });
    expect(new X509Certificate(await readFile(certFile)).subject).toBe("CN=*.files.test");
    // Another tenant's name under the same wildcard: the same certificate, no other.
    expect((await httpsGet(caddy.httpsPort, "other.files.test", root).catch((e: Error) => e)) as unknown).not.toBeInstanceOf(Error);
    // No ACME: no automation policy of Tenantry's, nothing stored by Caddy's certificate manager.
    expect(JSON.stringify(await tlsAutomation(caddy.adminUrl))).not.toContain("tenantry-tenants-tls");
    expect(await storedCertificateNames(dir)).toEqual([]);
    expect(portal.output()).not.toContain("could not be set at start");
  });

  it("keeps a vendor's own loaded certificate first, finds Tenantry's by @id, and takes it out when the mode changes", async () => {
    const admin = caddyAdmin(caddy.adminUrl);
    const files = { mode: "files", certFile, keyFile } as const;
    const loadFiles = () => fetch(`${caddy.adminUrl}/config/apps/tls/certificates/load_files`).then((r) => r.json() as Promise<Array<Record<string, unknown>>>);
    const ours = (await loadFiles())[0]!;
    const vendors = { certificate: rootFile, key: rootKey, format: "pem", tags: ["vendor-own"] };
    expect(await admin.ensureConfig("/config/apps/tls/certificates/load_files", [vendors, ours])).toBe("updated");
    expect(await ensureTenantTls(admin, files)).toEqual({ mode: "files", automaticHttps: "unchanged", certificate: "unchanged", tlsOnServer: "unchanged", policy: "absent" });
    expect(await loadFiles()).toEqual([vendors, ours]);

    // TLS off: Tenantry's certificate and the server's TLS go, the vendor's certificate stays.
    expect(await ensureTenantTls(admin, { mode: "off" })).toEqual({ mode: "off", automaticHttps: "updated", tlsOnServer: "removed", certificate: "removed" });
    expect(await loadFiles()).toEqual([vendors]);
    // Back to files: appended after the vendor's, served again.
    expect(await ensureTenantTls(admin, files)).toMatchObject({ certificate: "created", tlsOnServer: "created", automaticHttps: "updated" });
    expect(await loadFiles()).toEqual([vendors, ours]);
    expect((await httpsGet(caddy.httpsPort, "acme.files.test", root)).subject).toBe("*.files.test");
  });

  it("a portal whose Caddy does not answer still starts, and says so in its log", async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const second = await startPortal({
      WORKER: "true",
      SCHEDULER: "false",
      CADDY_ADMIN_URL: nowhere,
      TENANT_HOST_PATTERN: "{slug}.files.test",
      TENANT_TLS: "files",
      TENANT_TLS_CERT_FILE: certFile,
      TENANT_TLS_KEY_FILE: keyFile,
    });
    try {
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      await waitFor("the warning", undefined, async () => second.output().includes("Caddy's tenants' server and certificates could not be set at start"));
      const warning = second.output().split("\n").find((line) => line.includes("could not be set at start"))!;
      expect(warning).toContain(nowhere);
    } finally {
      await second.stop();
    }
  });
});
