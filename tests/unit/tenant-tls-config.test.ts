// The settings of tenants' certificates (issue 14): TENANT_TLS off by default; on or files only with
// Caddy's admin address (Tenantry sets them in Caddy); on-demand only with TENANT_HOST_PATTERN and a
// portal Caddy reaches on loopback (the ask URL is built from HOST and PORT), Let's Encrypt's
// directory unless ACME_DIRECTORY_URL says otherwise; files only with both PEM files readable (the
// errors name the setting). One listen setting: :443 by default with TLS on, :80 with it off, and
// the tenants' address https:// with TLS on. With the proxy on, the apps stay on loopback.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server";

const messageOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return "";
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
};

const PROXY = { CADDY_ADMIN_URL: "http://127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" };

describe("TENANT_TLS and the ACME settings", () => {
  it("are off by default: plain HTTP on :80", () => {
    const proxy = loadConfig(PROXY).orchestrator.proxy!;
    expect(proxy.tls).toEqual({ mode: "off" });
    expect(proxy.listen).toBe(":80");
    expect(loadConfig(PROXY).orchestrator.tenantUrl).toBe("http://{slug}.apps.vendor.com/");
  });

  it("on-demand: :443 by default, Let's Encrypt, the ask URL on the portal's loopback port; or the directory, root file and email given", () => {
    const config = loadConfig({ ...PROXY, TENANT_TLS: "on-demand", PORT: "3100" });
    expect(config.orchestrator.proxy).toMatchObject({
      listen: ":443",
      tls: {
        mode: "on-demand",
        askUrl: "http://127.0.0.1:3100/_caddy/ask",
        acme: { directoryUrl: "https://acme-v02.api.letsencrypt.org/directory", caRootFile: undefined, email: undefined },
      },
    });
    expect(config.orchestrator.tenantUrl).toBe("https://{slug}.apps.vendor.com/");
    const given = loadConfig({
      ...PROXY,
      TENANT_TLS: "on-demand",
      HOST: "::",
      TENANT_PROXY_LISTEN: "127.0.0.1:8443",
      ACME_DIRECTORY_URL: "https://127.0.0.1:14000/dir",
      ACME_CA_ROOT_FILE: "certs/pebble.pem",
      ACME_EMAIL: "ops@vendor.com",
    });
    expect(given.orchestrator.proxy).toMatchObject({
      listen: "127.0.0.1:8443",
      tls: {
        mode: "on-demand",
        askUrl: "http://[::1]:3000/_caddy/ask",
        acme: { directoryUrl: "https://127.0.0.1:14000/dir", caRootFile: path.resolve("certs/pebble.pem"), email: "ops@vendor.com" },
      },
    });
    expect(given.orchestrator.tenantUrl).toBe("https://{slug}.apps.vendor.com:8443/");
  });

  it("refuses on-demand without the pattern or Caddy, a portal off loopback, an unknown mode, a non-https directory, a bad email", () => {
    expect(messageOf({ TENANT_TLS: "on-demand" })).toMatch(/TENANT_TLS: on-demand needs TENANT_HOST_PATTERN/);
    expect(messageOf({ TENANT_TLS: "on-demand", TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" })).toMatch(/TENANT_TLS: on-demand needs CADDY_ADMIN_URL/);
    expect(messageOf({ ...PROXY, TENANT_TLS: "on-demand", HOST: "10.0.0.5" })).toMatch(/HOST: must be reachable on loopback .* \/_caddy\/ask/);
    expect(messageOf({ TENANT_TLS: "acme" })).toMatch(/TENANT_TLS: must be on-demand, files or off \(got "acme"\)/);
    const env = { ...PROXY, TENANT_TLS: "on-demand" };
    expect(messageOf({ ...env, ACME_DIRECTORY_URL: "http://acme.example/dir" })).toMatch(/ACME_DIRECTORY_URL: must be an https:\/\/ URL of an ACME directory/);
    expect(messageOf({ ...env, ACME_EMAIL: "ops" })).toMatch(/ACME_EMAIL: must be an email address/);
  });

  it("refuses a listen address of the other scheme: :80 with TLS on, :443 with TLS off", () => {
    expect(messageOf({ ...PROXY, TENANT_TLS: "on-demand", TENANT_PROXY_LISTEN: ":80" })).toMatch(/TENANT_PROXY_LISTEN: port 80 is Caddy's plain-HTTP port, but TENANT_TLS=on-demand serves HTTPS: use :443/);
    expect(messageOf({ ...PROXY, TENANT_PROXY_LISTEN: ":443" })).toMatch(/TENANT_PROXY_LISTEN: port 443 is HTTPS's, but TENANT_TLS=off serves plain HTTP: use :80/);
  });
});

describe("TENANT_TLS=files", () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tenantry-tls-files-"));
    cert = path.join(dir, "wildcard.pem");
    key = path.join(dir, "wildcard.key");
    await writeFile(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    await writeFile(key, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("gives Caddy both files (absolute paths), HTTPS on :443, the address https://", () => {
    const config = loadConfig({ ...PROXY, TENANT_TLS: "files", TENANT_TLS_CERT_FILE: cert, TENANT_TLS_KEY_FILE: key });
    expect(config.orchestrator.proxy).toMatchObject({ listen: ":443", tls: { mode: "files", certFile: cert, keyFile: key } });
    expect(config.orchestrator.tenantUrl).toBe("https://{slug}.apps.vendor.com/");
  });

  it("refuses a missing, unreadable or non-PEM file, naming the setting", async () => {
    const files = { ...PROXY, TENANT_TLS: "files" };
    expect(messageOf(files)).toMatch(/TENANT_TLS_CERT_FILE: is required \(TENANT_TLS=files: the certificate/);
    expect(messageOf(files)).toMatch(/TENANT_TLS_KEY_FILE: is required/);
    expect(messageOf({ ...files, TENANT_TLS_CERT_FILE: path.join(dir, "missing.pem"), TENANT_TLS_KEY_FILE: key })).toMatch(/TENANT_TLS_CERT_FILE: cannot be read \(ENOENT\)/);
    const notPem = path.join(dir, "key.der");
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01]));
    expect(messageOf({ ...files, TENANT_TLS_CERT_FILE: cert, TENANT_TLS_KEY_FILE: notPem })).toMatch(/TENANT_TLS_KEY_FILE: is not a PEM file/);
    expect(messageOf({ TENANT_HOST_PATTERN: "{slug}.apps.vendor.com", TENANT_TLS: "files", TENANT_TLS_CERT_FILE: cert, TENANT_TLS_KEY_FILE: key })).toMatch(
      /TENANT_TLS: files needs CADDY_ADMIN_URL/,
    );
  });
});

describe("TENANT_BIND_ADDRESS with the proxy on", () => {
  it("must be loopback: the proxy reaches the app on a loopback-only port", () => {
    expect(loadConfig({ ...PROXY, TENANT_BIND_ADDRESS: "::1" }).orchestrator.bindAddress).toBe("::1");
    expect(loadConfig({ ...PROXY, TENANT_BIND_ADDRESS: "127.0.0.1" }).orchestrator.bindAddress).toBe("127.0.0.1");
    for (const address of ["0.0.0.0", "::", "192.168.1.10"]) {
      expect(messageOf({ ...PROXY, TENANT_BIND_ADDRESS: address })).toMatch(
        /TENANT_BIND_ADDRESS: must be a loopback address \(127\.0\.0\.1 or ::1\) with CADDY_ADMIN_URL set: Caddy reaches each tenant's app on a loopback-only port/,
      );
    }
    // Without the proxy, the vendor may still publish the apps where they like.
    expect(loadConfig({ TENANT_BIND_ADDRESS: "0.0.0.0" }).orchestrator.bindAddress).toBe("0.0.0.0");
  });
});
