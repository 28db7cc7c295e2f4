// HTTPS per tenant, must-show 1 of issue 14, end to end: Debian's `pebble` (a real ACME test CA),
// Debian's `caddy` started with nothing but its admin address, and the real portal (a process, its
// worker on the real Docker engine) with the settings a vendor would write: CADDY_ADMIN_URL,
// TENANT_HOST_PATTERN, TENANT_TLS=on-demand, ACME_DIRECTORY_URL (Pebble's), ACME_CA_ROOT_FILE,
// TENANT_PROXY_LISTEN. The portal itself puts the tenants' server, its TLS and the on-demand policy
// in Caddy at start (the test never does). A signup then provisions a real tenant, whose hostname
// gets a certificate issued by Pebble on its first HTTPS request and serves the tenant's login page
// (node and curl verify it against Pebble's root only); a hostname of no tenant gets no certificate.
// The credentials email and the customer's status page give that https:// address. Caddy restarted
// empty gets its TLS back from the reconcile pass, not only the routes.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrCreateKeyFile, readDevMailbox } from "../../orchestrator/index.ts";
import { caddyOnFreePorts, httpsGet, run, startPebble, stop, storedCertificateNames, tlsAutomation, waitFor, type Caddy, type Pebble } from "../support/caddy-process.ts";
import { signUp, startTenantLab, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

const LOGIN_PAGE = "Sign in / Connexion";

describe("on-demand TLS set by the portal: a new tenant's certificate from Pebble, through Caddy", () => {
  let dir: string;
  let pebble: Pebble;
  let caddy: Caddy;
  let lab: TenantLab;
  let hostname: string;

  const expectedAutomation = () => ({
    on_demand: { ask: `${lab.portal.url}/_caddy/ask` },
    policies: [
      {
        "@id": "tenantry-tenants-tls",
        on_demand: true,
        issuers: [{ module: "acme", ca: pebble.directoryUrl, email: "ops@example.com", trusted_roots_pem_files: [pebble.listenerCertFile] }],
      },
    ],
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-caddy-tls-"));
    pebble = await startPebble(dir);
    caddy = await caddyOnFreePorts(dir);
    lab = await startTenantLab({
      TENANT_PORT_RANGE: "47650-47699",
      CADDY_ADMIN_URL: caddy.adminUrl,
      TENANT_HOST_PATTERN: "{slug}.tenants.test",
      TENANT_TLS: "on-demand",
      TENANT_PROXY_LISTEN: `127.0.0.1:${caddy.httpsPort}`,
      ACME_DIRECTORY_URL: pebble.directoryUrl,
      ACME_CA_ROOT_FILE: pebble.listenerCertFile,
      ACME_EMAIL: "ops@example.com",
      RECONCILE_INTERVAL_MINUTES: "1",
    });
  });

  afterAll(async () => {
    await lab?.stop();
    await caddy?.stop();
    await stop(pebble);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("the portal sets Caddy's on-demand TLS at start, asking its own /_caddy/ask", async () => {
    await waitFor("the portal's TLS policy in Caddy", caddy.process, async () => JSON.stringify(await tlsAutomation(caddy.adminUrl)).includes("tenantry-tenants-tls"));
    expect(await tlsAutomation(caddy.adminUrl)).toEqual(expectedAutomation());
    const server = (await fetch(`${caddy.adminUrl}/id/tenantry-tenants`).then((r) => r.json())) as Record<string, unknown>;
    expect(server).toMatchObject({ listen: [`127.0.0.1:${caddy.httpsPort}`], tls_connection_policies: [{}] });
    expect(server.automatic_https).toBeUndefined();
  });

  it("a new tenant's hostname gets a certificate from Pebble on its first HTTPS request and serves the tenant's login page", async () => {
    const tenant = await signUp(lab, `A Tls ${randomBytes(3).toString("hex")}`);
    const [done] = await waitForJobs(lab, [tenant.id]);
    expect(done!.jobs[0]!.status).toBe("succeeded");
    hostname = `${tenant.slug}.tenants.test`;
    // On demand: nothing was requested when the route was set.
    expect(await storedCertificateNames(dir)).toEqual([]);

    const answer = await httpsGet(caddy.httpsPort, hostname, pebble.root);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(LOGIN_PAGE);
    expect(answer.subjectAltName).toBe(`DNS:${hostname}`);
    // Issued by Pebble: its intermediate signed it, and it verified against Pebble's root only.
    expect(answer.issuer).toMatch(/^Pebble Intermediate CA/);
    // curl, as the issue says, with Pebble's root as its only trust anchor.
    const curl = await run("curl", [
      "--silent", "--show-error", "--fail", "--max-time", "30",
      "--cacert", pebble.rootFile,
      "--resolve", `${hostname}:${caddy.httpsPort}:127.0.0.1`,
      `https://${hostname}:${caddy.httpsPort}/`,
    ]);
    expect(curl.stdout).toContain(LOGIN_PAGE);
    expect(await storedCertificateNames(dir)).toEqual([hostname]);
    expect(lab.portal.output()).not.toContain("Caddy's tenants' server and certificates could not be set at start");

    // The customer is given that address: in the credentials email and on the status page.
    const address = `https://${hostname}:${caddy.httpsPort}/`;
    const key = await loadOrCreateKeyFile(path.join(lab.dataDir, "secrets.key"));
    await waitFor("the credentials email", undefined, async () => (await readDevMailbox(path.join(lab.dataDir, "mailbox"), key)).length > 0);
    const [email] = await readDevMailbox(path.join(lab.dataDir, "mailbox"), key);
    expect(email!.text).toContain(address);
    const statusPage = await fetch(`${lab.portal.url}/trial/${tenant.statusToken}`).then((r) => r.text());
    expect(statusPage).toContain(`href="${address}"`);
  });

  it("a hostname of no tenant gets no certificate: the handshake fails and the portal's ask said no", async () => {
    const error = await httpsGet(caddy.httpsPort, "nobody.tenants.test", pebble.root).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(error).toBeInstanceOf(Error);
    // Caddy ends the handshake with an alert: it has no certificate to present and asks for none.
    expect(error!.code).toBe("EPROTO");
    expect(error!.message).toMatch(/alert internal error/);
    expect(await storedCertificateNames(dir)).toEqual([hostname]);
    expect((await httpsGet(caddy.httpsPort, hostname, pebble.root)).body).toContain(LOGIN_PAGE);
  });

  it("Caddy restarted empty: the reconcile pass puts back the TLS policy with the route, and the tenant answers in HTTPS again", async () => {
    await caddy.stop();
    await caddy.start();
    expect(JSON.stringify(await tlsAutomation(caddy.adminUrl))).not.toContain("tenantry-tenants-tls");
    // The portal's scheduler reconciles every minute (RECONCILE_INTERVAL_MINUTES=1).
    await waitFor("the TLS policy back in Caddy", caddy.process, async () => JSON.stringify(await tlsAutomation(caddy.adminUrl)).includes("tenantry-tenants-tls"), 150_000);
    await waitFor("the tenant's route back in Caddy", caddy.process, async () => (await httpsGet(caddy.httpsPort, hostname, pebble.root)).body.includes(LOGIN_PAGE), 150_000);
    expect(await tlsAutomation(caddy.adminUrl)).toEqual(expectedAutomation());
  });
});
