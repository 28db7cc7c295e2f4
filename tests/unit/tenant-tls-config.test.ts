// The settings of tenants' certificates (issue 14): TENANT_TLS off by default; on-demand only with
// TENANT_HOST_PATTERN (Caddy's ask endpoint needs it), Let's Encrypt's directory unless
// ACME_DIRECTORY_URL says otherwise (an https:// URL), an optional CA root file and email.
import path from "node:path";
import { describe, expect, it } from "vitest";
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

describe("TENANT_TLS and the ACME settings", () => {
  it("are off by default", () => {
    expect(loadConfig({}).tenantTls).toEqual({ mode: "off" });
    expect(loadConfig({ TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" }).tenantTls).toEqual({ mode: "off" });
  });

  it("on-demand: Let's Encrypt by default, or the directory, root file and email given", () => {
    expect(loadConfig({ TENANT_TLS: "on-demand", TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" }).tenantTls).toEqual({
      mode: "on-demand",
      acme: { directoryUrl: "https://acme-v02.api.letsencrypt.org/directory", caRootFile: undefined, email: undefined },
    });
    const config = loadConfig({
      TENANT_TLS: "on-demand",
      TENANT_HOST_PATTERN: "{slug}.apps.vendor.com",
      ACME_DIRECTORY_URL: "https://127.0.0.1:14000/dir",
      ACME_CA_ROOT_FILE: "certs/pebble.pem",
      ACME_EMAIL: "ops@vendor.com",
    });
    expect(config.tenantTls).toEqual({
      mode: "on-demand",
      acme: { directoryUrl: "https://127.0.0.1:14000/dir", caRootFile: path.resolve("certs/pebble.pem"), email: "ops@vendor.com" },
    });
  });

  it("refuses on-demand without TENANT_HOST_PATTERN, an unknown mode, a non-https directory, a bad email", () => {
    expect(messageOf({ TENANT_TLS: "on-demand" })).toMatch(/TENANT_TLS: on-demand needs TENANT_HOST_PATTERN/);
    expect(messageOf({ TENANT_TLS: "acme" })).toMatch(/TENANT_TLS: must be on-demand or off \(got "acme"\)/);
    const env = { TENANT_TLS: "on-demand", TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" };
    expect(messageOf({ ...env, ACME_DIRECTORY_URL: "http://acme.example/dir" })).toMatch(/ACME_DIRECTORY_URL: must be an https:\/\/ URL of an ACME directory/);
    expect(messageOf({ ...env, ACME_EMAIL: "ops" })).toMatch(/ACME_EMAIL: must be an email address/);
  });
});
