// Custom domains' settings and hostname rules (issue 14): off unless TENANT_CUSTOM_DOMAIN_TARGET is
// set, which needs Caddy's routes; the per-tenant limit (default 2) and DNS_SERVERS validated with
// what to write; and the names a customer may add (not an address, not the vendor's own domain, not
// the target, a full DNS name), normalized as stored.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";
import { customDomainProblem, normalizeHostname, parseHostPattern } from "../../orchestrator/index.ts";

const PROXY = { CADDY_ADMIN_URL: "http://127.0.0.1:2019", TENANT_HOST_PATTERN: "{slug}.apps.vendor.com" };

describe("custom domains' settings", () => {
  it("are off without a target", () => {
    expect(loadConfig(PROXY).orchestrator.customDomains).toBeUndefined();
  });

  it("turn on with a target, a limit of 2 and the system's DNS by default", () => {
    const on = loadConfig({ ...PROXY, TENANT_CUSTOM_DOMAIN_TARGET: "Tenants.Vendor.com." });
    expect(on.orchestrator.customDomains).toEqual({ target: "tenants.vendor.com", perTenant: 2, dnsServers: [] });
    const set = loadConfig({ ...PROXY, TENANT_CUSTOM_DOMAIN_TARGET: "tenants.vendor.com", CUSTOM_DOMAINS_PER_TENANT: "5", DNS_SERVERS: "127.0.0.1:5353, 9.9.9.9,[::1]:53,2001:db8::1" });
    expect(set.orchestrator.customDomains).toEqual({ target: "tenants.vendor.com", perTenant: 5, dnsServers: ["127.0.0.1:5353", "9.9.9.9", "[::1]:53", "2001:db8::1"] });
  });

  it("refuse a target without Caddy's routes, and values that are not what they should be", () => {
    expect(() => loadConfig({ TENANT_CUSTOM_DOMAIN_TARGET: "tenants.vendor.com" })).toThrow(ConfigError);
    expect(() => loadConfig({ TENANT_CUSTOM_DOMAIN_TARGET: "tenants.vendor.com" })).toThrow(/TENANT_CUSTOM_DOMAIN_TARGET: needs Caddy's tenant routes/);
    expect(() => loadConfig({ ...PROXY, TENANT_CUSTOM_DOMAIN_TARGET: "https://tenants.vendor.com/" })).toThrow(/TENANT_CUSTOM_DOMAIN_TARGET: must be a hostname/);
    expect(() => loadConfig({ ...PROXY, TENANT_CUSTOM_DOMAIN_TARGET: "203.0.113.7" })).toThrow(/TENANT_CUSTOM_DOMAIN_TARGET: must be a hostname/);
    expect(() => loadConfig({ ...PROXY, TENANT_CUSTOM_DOMAIN_TARGET: "t.vendor.com", CUSTOM_DOMAINS_PER_TENANT: "0" })).toThrow(/CUSTOM_DOMAINS_PER_TENANT: must be at least 1/);
    for (const bad of ["dns.google", "127.0.0.1:99999", "300.1.1.1", "[127.0.0.1]:53"]) {
      expect(() => loadConfig({ ...PROXY, DNS_SERVERS: bad }), bad).toThrow(/DNS_SERVERS: must be DNS servers as "ip" or "ip:port"/);
    }
  });
});

describe("custom domain hostnames", () => {
  const pattern = parseHostPattern("{slug}.apps.vendor.com");
  const problem = (name: string) => customDomainProblem(normalizeHostname(name), pattern, "tenants.vendor.com");

  it("are stored lower-case without a trailing dot", () => {
    expect(normalizeHostname("  ERP.Customer.COM. ")).toBe("erp.customer.com");
  });

  it("accept a customer's own names, apex or not", () => {
    for (const name of ["erp.customer.com", "customer.fr", "a-b.c-d.example.co.uk", "xn--bcher-kva.example"]) expect(problem(name), name).toBeNull();
    // The vendor's domain outside the tenants' part is the vendor's business, not refused here.
    expect(problem("www.vendor.com")).toBeNull();
  });

  it("refuse addresses, single labels, the vendor's tenants' domain, the target and malformed names", () => {
    expect(problem("192.0.2.1")).toBe("ip-address");
    expect(problem("2001:db8::1")).toBe("ip-address");
    expect(problem("example.123")).toBe("ip-address");
    expect(problem("localhost")).toBe("single-label");
    expect(problem("erp.localhost")).toBe("single-label");
    expect(problem("intranet")).toBe("single-label");
    expect(problem("apps.vendor.com")).toBe("vendor-domain");
    expect(problem("dupont.apps.vendor.com")).toBe("vendor-domain");
    expect(problem("Tenants.Vendor.com")).toBe("target");
    for (const name of ["", "erp..customer.com", "-erp.customer.com", "erp_x.customer.com", "https://erp.customer.com", `${"a".repeat(64)}.com`]) {
      expect(problem(name), name).not.toBeNull();
    }
  });
});
