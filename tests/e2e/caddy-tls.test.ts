// HTTPS per tenant, must-show 1 of issue 14: on-demand TLS with a real ACME certificate authority.
// Debian's `pebble` (PEBBLE_PATH, or pebble on PATH; validations always pass, free loopback ports)
// and Debian's `caddy` (CADDY_PATH) run here, with the real portal on a shared PostgreSQL database
// answering Caddy's `ask`, and a tiny HTTP server standing in for the tenant's app. The
// orchestrator's ensureTenantTls points Caddy at Pebble's directory (trusting Pebble's listener
// certificate, which the Debian package does not ship: openssl makes one here). Then a tenant's
// hostname gets a certificate issued by Pebble on its first HTTPS request and serves the app's page
// (node and curl both verify it against Pebble's root, read from Pebble's management API); a
// hostname of no tenant gets no certificate (the handshake fails) and the portal's ask said no.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyAdmin, ensureTenantTls, tenantRoute, type CaddyAdmin, type TenantTlsSettings } from "../../orchestrator/index.ts";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { freePort, startPortal, type Portal } from "../support/portal.ts";

const run = promisify(execFile);
const CADDY = process.env.CADDY_PATH || "caddy";
const PEBBLE = process.env.PEBBLE_PATH || "pebble";
const PATTERN = "{slug}.tenants.test";

type Spawned = { child: ChildProcess; output: () => string };

function start(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, { env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function stop(spawned: Spawned | undefined): Promise<void> {
  const child = spawned?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}

/** Waits until `probe` resolves true (the process still running), for at most 30 s. */
async function waitFor(name: string, spawned: Spawned, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawned.child.exitCode !== null) throw new Error(`${name} exited with ${spawned.child.exitCode}:\n${spawned.output()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 30 s:\n${spawned.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type HttpsAnswer = { status: number; body: string; issuer: string; subjectAltName: string };

/** An HTTPS GET to 127.0.0.1:port for `hostname` (SNI and Host), verified against `ca` only. */
function httpsGet(port: number, hostname: string, ca: string, urlPath = "/"): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      // No SNI for an IP address (RFC 6066); its certificate is then checked against that address.
      { host: "127.0.0.1", port, path: urlPath, ...(isIP(hostname) ? {} : { servername: hostname }), headers: { Host: hostname }, ca, agent: false, timeout: 60_000 },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, issuer: String(cert.issuer?.CN ?? ""), subjectAltName: cert.subjectaltname ?? "" }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from 127.0.0.1:${port} for ${hostname} within 60 s`)));
    req.on("error", reject);
    req.end();
  });
}

describe("on-demand TLS: a tenant's certificate from a real ACME CA (Pebble), through Caddy", () => {
  let dir: string;
  let pebble: Spawned;
  let caddy: Spawned;
  let shared: SharedDatabase;
  let portal: Portal;
  let app: Server;
  let admin: CaddyAdmin;
  let httpsPort: number;
  let pebbleRoot: string;
  let pebbleRootFile: string;
  let settings: TenantTlsSettings;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-caddy-tls-"));

    // Pebble's own HTTPS listener (the ACME directory) needs a certificate: Debian ships none.
    const listenerCert = path.join(dir, "pebble-listener.pem");
    const listenerKey = path.join(dir, "pebble-listener.key");
    await run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=Pebble listener (Tenantry test)", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", listenerKey, "-out", listenerCert,
    ]);
    const [acmePort, mgmtPort, validationHttp, validationTls] = [await freePort(), await freePort(), await freePort(), await freePort()];
    await writeFile(
      path.join(dir, "pebble.json"),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: listenerCert,
          privateKey: listenerKey,
          httpPort: validationHttp,
          tlsPort: validationTls,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    // Every validation passes (no DNS for *.tenants.test here); no random nonce rejections or sleeps.
    pebble = start(PEBBLE, ["-config", path.join(dir, "pebble.json"), "-strict=false"], {
      PEBBLE_VA_ALWAYS_VALID: "1",
      PEBBLE_VA_NOSLEEP: "1",
      PEBBLE_WFE_NONCEREJECT: "0",
    });
    const listenerCa = await readFile(listenerCert, "utf8");
    await waitFor("pebble", pebble, async () => (await httpsGet(mgmtPort, "127.0.0.1", listenerCa, "/roots/0")).status === 200);
    pebbleRoot = (await httpsGet(mgmtPort, "127.0.0.1", listenerCa, "/roots/0")).body;
    pebbleRootFile = path.join(dir, "pebble-root.pem");
    await writeFile(pebbleRootFile, pebbleRoot);

    shared = await createSharedDatabase();
    const prisma = shared.db.prisma;
    const customer = await prisma.customer.create({ data: { email: "tls@example.com", firstName: "T", lastName: "Ls", company: "Tls", phone: "+33612345678" } });
    const tenant = await prisma.tenant.create({ data: { slug: "acme", customerId: customer.id, statusToken: "tls-acme", actualState: "active" } });
    portal = await startPortal({ DATABASE_URL: shared.url, TENANT_HOST_PATTERN: PATTERN, LOG_LEVEL: "debug" });

    app = createServer((_req, res) => res.end("acme's login page"));
    const appPort = await new Promise<number>((resolve) => app.listen(0, "127.0.0.1", () => resolve((app.address() as { port: number }).port)));

    const adminPort = await freePort();
    const httpPort = await freePort();
    httpsPort = await freePort();
    // Caddy's HTTP port (its redirects and the HTTP challenge's solver) on a free port too; its
    // storage (account, certificates) in the test's folder; nothing saved to disk as config.
    await writeFile(
      path.join(dir, "caddy.json"),
      JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } }, apps: { http: { http_port: httpPort, https_port: httpsPort } } }),
    );
    caddy = start(CADDY, ["run", "--config", path.join(dir, "caddy.json")], {
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, "config"),
      XDG_DATA_HOME: path.join(dir, "data"),
    });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitFor("caddy", caddy, () => fetch(`${adminUrl}/config/`).then((r) => r.ok));
    admin = caddyAdmin(adminUrl);

    settings = {
      mode: "on-demand",
      askUrl: `${portal.url}/_caddy/ask`,
      acme: { directoryUrl: `https://127.0.0.1:${acmePort}/dir`, caRootFile: listenerCert, email: "ops@example.com" },
      listen: [`127.0.0.1:${httpsPort}`],
    };
    expect(await ensureTenantTls(admin, settings)).toEqual({ mode: "on-demand", server: "created", tlsOnServer: "created", ask: "created", policy: "created" });
    expect(await admin.upsertRoute(tenantRoute({ tenantId: tenant.id, hostnames: ["acme.tenants.test"], upstream: `127.0.0.1:${appPort}` }))).toBe("created");
  });

  /** The hostnames Caddy holds a certificate for in its storage (certificates/<issuer>/<name>/). */
  async function storedCertificateNames(): Promise<string[]> {
    const root = path.join(dir, "data", "caddy", "certificates");
    const issuers = await readdir(root).catch(() => [] as string[]);
    const names = await Promise.all(issuers.map((issuer) => readdir(path.join(root, issuer))));
    return names.flat().sort();
  }

  afterAll(async () => {
    await stop(caddy);
    await stop(pebble);
    await portal?.stop();
    await shared?.dispose();
    if (app) await new Promise((resolve) => app.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("sets Caddy once: the same settings again change nothing", async () => {
    const before = await admin.readConfig();
    expect(await ensureTenantTls(admin, settings)).toEqual({ mode: "on-demand", server: "unchanged", tlsOnServer: "unchanged", ask: "unchanged", policy: "unchanged" });
    expect(await admin.readConfig()).toEqual(before);
    const tls = (before as { apps: { tls: { automation: unknown } } }).apps.tls.automation;
    expect(tls).toEqual({
      on_demand: { ask: `${portal.url}/_caddy/ask` },
      policies: [
        {
          "@id": "tenantry-tenants-tls",
          on_demand: true,
          issuers: [{ module: "acme", ca: settings.mode === "on-demand" ? settings.acme.directoryUrl : "", email: "ops@example.com", trusted_roots_pem_files: [expect.stringMatching(/pebble-listener\.pem$/)] }],
        },
      ],
    });
  });

  it("a tenant's hostname gets a certificate from Pebble on its first HTTPS request and serves the app", async () => {
    // On demand: nothing was requested when the route and the policy were set.
    expect(await storedCertificateNames()).toEqual([]);
    const answer = await httpsGet(httpsPort, "acme.tenants.test", pebbleRoot);
    expect(answer).toMatchObject({ status: 200, body: "acme's login page", subjectAltName: "DNS:acme.tenants.test" });
    // Issued by Pebble: its intermediate signed it, and it verified against Pebble's root only.
    expect(answer.issuer).toMatch(/^Pebble Intermediate CA/);
    expect(new X509Certificate(pebbleRoot).subject).toMatch(/CN=Pebble Root CA/);
    // curl, as the issue says, with Pebble's root as its only trust anchor.
    const curl = await run("curl", [
      "--silent", "--show-error", "--fail", "--max-time", "30",
      "--cacert", pebbleRootFile,
      "--resolve", `acme.tenants.test:${httpsPort}:127.0.0.1`,
      `https://acme.tenants.test:${httpsPort}/`,
    ]);
    expect(curl.stdout).toBe("acme's login page");
    expect(await storedCertificateNames()).toEqual(["acme.tenants.test"]);
  });

  it("a hostname of no tenant gets no certificate: the handshake fails and the portal's ask said no", async () => {
    const error = await httpsGet(httpsPort, "nobody.tenants.test", pebbleRoot).then(() => null, (e: unknown) => e as Error & { code?: string });
    expect(error).toBeInstanceOf(Error);
    // Caddy ends the handshake with an alert: it has no certificate to present and asks for none.
    expect(error!.code).toBe("EPROTO");
    expect(error!.message).toMatch(/alert internal error/);
    const refusals = portal
      .output()
      .split("\n")
      .filter((line) => line.includes("certificate ask refused"));
    expect(refusals.some((line) => line.includes("nobody.tenants.test") && line.includes("no-tenant"))).toBe(true);
    expect(refusals.some((line) => line.includes("acme.tenants.test"))).toBe(false);
    expect(await storedCertificateNames()).toEqual(["acme.tenants.test"]);
    // The tenant's hostname still answers.
    expect((await httpsGet(httpsPort, "acme.tenants.test", pebbleRoot)).body).toBe("acme's login page");
  });

  it("keeps a vendor's own automation policy first and puts Tenantry's after it, once", async () => {
    const vendorPolicy = { subjects: ["status.vendor.test"], issuers: [{ module: "internal" }] };
    expect(await admin.ensureConfig("/config/apps/tls/automation/policies", [vendorPolicy])).toBe("updated");
    expect(await ensureTenantTls(admin, settings)).toEqual({ mode: "on-demand", server: "unchanged", tlsOnServer: "unchanged", ask: "unchanged", policy: "created" });
    const policies = () => admin.readConfig().then((c) => (c as { apps: { tls: { automation: { policies: unknown[] } } } }).apps.tls.automation.policies);
    expect(await policies()).toEqual([vendorPolicy, expect.objectContaining({ "@id": "tenantry-tenants-tls", on_demand: true })]);
    expect(await ensureTenantTls(admin, settings)).toMatchObject({ policy: "unchanged" });
    expect(await policies()).toHaveLength(2);
    expect((await httpsGet(httpsPort, "acme.tenants.test", pebbleRoot)).body).toBe("acme's login page");
  });
});
