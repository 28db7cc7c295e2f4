// The settings that turn Caddy's tenant routes on (issue 14, second block): off unless both
// CADDY_ADMIN_URL and TENANT_HOST_PATTERN are set, one without the other refused with what to do;
// the tenants' address then follows the pattern, the listen port and TENANT_TLS (TENANT_URL still
// wins when set); and the suspended route Caddy is given: 503, HTML in French and English, the vendor's name escaped,
// a link to the account page (where the customer subscribes) when the portal's public address is set.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";
import { suspendedRoute } from "../../orchestrator/proxy/route-suspended.ts";
import { appUpstream, listenPort, proxiedTenantUrl } from "../../orchestrator/proxy/route-steps.ts";

describe("tenant routes' settings", () => {
  it("are off by default, with today's tenants' address", () => {
    const config = loadConfig({ TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" });
    expect(config.orchestrator.proxy).toBeUndefined();
    expect(config.orchestrator.tenantUrl).toBe("http://localhost:{port}/");
  });

  it("turn on with the admin address and the pattern; the address follows the listen port", () => {
    const base = { CADDY_ADMIN_URL: "http://127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.Apps.Vendor.com", VENDOR_NAME: "Acme" };
    const on = loadConfig(base);
    expect(on.orchestrator.proxy).toEqual({ adminUrl: "http://127.0.0.1:2019", hostPattern: "{slug}.apps.vendor.com", listen: ":80", vendorName: "Acme", tls: { mode: "off" } });
    expect(on.orchestrator.tenantUrl).toBe("http://{slug}.apps.vendor.com/");
    expect(loadConfig({ ...base, TENANT_TLS: "on-demand" }).orchestrator.tenantUrl).toBe("https://{slug}.apps.vendor.com/");
    expect(loadConfig({ ...base, TENANT_PROXY_LISTEN: "8080" }).orchestrator.tenantUrl).toBe("http://{slug}.apps.vendor.com:8080/");
    expect(loadConfig({ ...base, TENANT_URL: "https://{slug}.elsewhere.com/" }).orchestrator.tenantUrl).toBe("https://{slug}.elsewhere.com/");
  });

  it("refuse an admin address without a pattern, or one that is not http://", () => {
    expect(() => loadConfig({ CADDY_ADMIN_URL: "http://127.0.0.1:2019" })).toThrow(ConfigError);
    expect(() => loadConfig({ CADDY_ADMIN_URL: "http://127.0.0.1:2019" })).toThrow(/CADDY_ADMIN_URL: needs TENANT_HOST_PATTERN/);
    expect(() => loadConfig({ CADDY_ADMIN_URL: "127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.a.com" })).toThrow(/CADDY_ADMIN_URL: must be Caddy's admin address/);
    expect(() => loadConfig({ CADDY_ADMIN_URL: "http://127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.a.com", TENANT_PROXY_LISTEN: "127.0.0.1:http" })).toThrow(
      /TENANT_PROXY_LISTEN/,
    );
  });

  it("listen ports, upstreams and the tenants' address", () => {
    expect(listenPort("[::]:8443")).toBe(8443);
    expect(() => listenPort("localhost")).toThrow(/must end with :<port>/);
    expect(appUpstream("127.0.0.1", 20001)).toBe("127.0.0.1:20001");
    expect(appUpstream("0.0.0.0", 20001)).toBe("127.0.0.1:20001");
    expect(appUpstream("::1", 20001)).toBe("[::1]:20001");
    expect(proxiedTenantUrl("{slug}.localhost", "127.0.0.1:8080")).toBe("http://{slug}.localhost:8080/");
    expect(proxiedTenantUrl("{slug}.a.com", ":80")).toBe("http://{slug}.a.com/");
    expect(proxiedTenantUrl("{slug}.a.com", ":443", true)).toBe("https://{slug}.a.com/");
    expect(proxiedTenantUrl("{slug}.a.com", "127.0.0.1:8443", true)).toBe("https://{slug}.a.com:8443/");
  });
});

describe("the suspended route", () => {
  it("answers 503 with an HTML page in French and English naming the vendor", () => {
    const route = suspendedRoute({ tenantId: "t1", hostnames: ["Dupont.apps.vendor.com"], vendorName: "Dupont & <Fils>" });
    expect(route["@id"]).toBe("tenantry-tenant-t1");
    expect(route.match).toEqual([{ host: ["dupont.apps.vendor.com"] }]);
    const handler = route.handle[0]!;
    if (handler.handler !== "static_response") throw new Error(`expected a static_response, got ${handler.handler}`);
    expect(handler.status_code).toBe(503);
    expect(handler.headers["Content-Type"]).toEqual(["text/html; charset=utf-8"]);
    expect(handler.body).toContain("Cette instance est suspendue");
    expect(handler.body).toContain("This instance is suspended");
    expect(handler.body).toContain("Dupont &amp; &lt;Fils&gt;");
    expect(handler.body).not.toContain("<Fils>");
    expect(handler.body).not.toContain("<a href");
  });

  it("links to the portal's account page, where a customer subscribes, when PORTAL_URL is set", () => {
    const config = loadConfig({ CADDY_ADMIN_URL: "http://127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.a.com", PORTAL_URL: "https://trial.vendor.com/" });
    expect(config.orchestrator.proxy?.accountUrl).toBe("https://trial.vendor.com/trial");
    const route = suspendedRoute({ tenantId: "t1", hostnames: ["x.a.com"], vendorName: "Acme", accountUrl: config.orchestrator.proxy?.accountUrl });
    const handler = route.handle[0]!;
    if (handler.handler !== "static_response") throw new Error(`expected a static_response, got ${handler.handler}`);
    expect(handler.body).toContain('souscrivez un abonnement depuis votre espace client : <a href="https://trial.vendor.com/trial">');
    expect(handler.body).toContain('subscribe from your account page: <a href="https://trial.vendor.com/trial">');
  });
});
