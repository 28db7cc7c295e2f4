// Tenant hostnames behind Caddy (orchestrator/proxy/tenant-route.ts): which hostname patterns are
// accepted, slug → hostname and back, the route JSON a tenant gets, and TENANT_HOST_PATTERN's
// validation at boot (app/config.server.ts).
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";
import {
  hostPatternProblem,
  hostnameForSlug,
  parseHostPattern,
  sameJson,
  slugForHostname,
  tenantRoute,
  tenantRouteId,
} from "../../orchestrator/index.ts";

describe("hostname patterns", () => {
  it("accepts a DNS name holding {slug} once, inside or as a label, and lowercases it", () => {
    expect(hostPatternProblem("{slug}.apps.example.com")).toBeNull();
    expect(hostPatternProblem("erp-{slug}.example.com")).toBeNull();
    expect(hostPatternProblem("{slug}.localhost")).toBeNull();
    expect(parseHostPattern(" {slug}.Apps.Example.COM ").pattern).toBe("{slug}.apps.example.com");
  });

  it("refuses no {slug}, two, a scheme, a port, a path, bad labels and empty labels", () => {
    expect(hostPatternProblem("apps.example.com")).toMatch(/exactly once \(found 0\)/);
    expect(hostPatternProblem("{slug}.{slug}.example.com")).toMatch(/exactly once \(found 2\)/);
    for (const bad of [
      "https://{slug}.example.com",
      "{slug}.example.com:8080",
      "{slug}.example.com/erp",
      "{slug}..example.com",
      "-{slug}.example.com",
      "{slug}.exa_mple.com",
      "{slug}.example-.com",
      `{slug}.${"a".repeat(64)}.com`,
    ]) {
      expect(hostPatternProblem(bad), bad).not.toBeNull();
    }
    expect(() => parseHostPattern("example.com")).toThrow(/must hold \{slug\} exactly once.*e\.g\. \{slug\}\.apps\.vendor\.com/);
  });

  it("turns a slug into its hostname and the hostname back into the slug", () => {
    const pattern = parseHostPattern("{slug}.apps.example.com");
    expect(hostnameForSlug(pattern, "dupont-construction")).toBe("dupont-construction.apps.example.com");
    expect(slugForHostname(pattern, "dupont-construction.apps.example.com")).toBe("dupont-construction");
    expect(slugForHostname(pattern, "Dupont-Construction.APPS.example.com.")).toBe("dupont-construction");
    const inside = parseHostPattern("erp-{slug}.example.com");
    expect(slugForHostname(inside, hostnameForSlug(inside, "acme"))).toBe("acme");
  });

  it("maps no hostname outside the pattern to a slug", () => {
    const pattern = parseHostPattern("{slug}.apps.example.com");
    for (const other of [
      "apps.example.com",
      ".apps.example.com",
      "a.b.apps.example.com",
      "acme.apps.example.com.evil.net",
      "acme.apps.example.org",
      "acme.otherapps.example.com",
      "-acme.apps.example.com",
      "acme-.apps.example.com",
      "ac--me.apps.example.com",
      "ac_me.apps.example.com",
      "",
    ]) {
      expect(slugForHostname(pattern, other), other).toBeNull();
    }
  });
});

describe("a tenant's route", () => {
  it("matches the tenant's hostnames and proxies to the upstream, under the tenant's @id", () => {
    const route = tenantRoute({ tenantId: "t-1", hostnames: ["Acme.apps.example.com", "erp.acme.fr"], upstream: "127.0.0.1:20000" });
    expect(route).toEqual({
      "@id": "tenantry-tenant-t-1",
      match: [{ host: ["acme.apps.example.com", "erp.acme.fr"] }],
      handle: [{ handler: "reverse_proxy", upstreams: [{ dial: "127.0.0.1:20000" }] }],
      terminal: true,
    });
    expect(tenantRouteId("t-1")).toBe(route["@id"]);
    expect(tenantRoute({ tenantId: "t-2", hostnames: ["a.example.com"], upstream: "acme-app:8080" }).handle[0]!.upstreams[0]!.dial).toBe("acme-app:8080");
    expect(tenantRoute({ tenantId: "t-3", hostnames: ["a.example.com"], upstream: "[::1]:8080" }).handle[0]!.upstreams[0]!.dial).toBe("[::1]:8080");
  });

  it("refuses no hostname and an upstream that is not host:port", () => {
    expect(() => tenantRoute({ tenantId: "t", hostnames: [], upstream: "127.0.0.1:1" })).toThrow(/no hostname/);
    for (const upstream of ["127.0.0.1", "http://127.0.0.1:80", "a b:80", ":80"]) {
      expect(() => tenantRoute({ tenantId: "t", hostnames: ["a.b"], upstream }), upstream).toThrow(/must be "host:port"/);
    }
  });

  it("compares JSON whatever the key order (Caddy may return keys reordered)", () => {
    expect(sameJson({ a: 1, b: [{ c: 2, d: 3 }] }, { b: [{ d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
  });
});

describe("TENANT_HOST_PATTERN", () => {
  it("is off when unset, lowercased when valid, and stops the boot with a clear message when not", () => {
    expect(loadConfig({}).tenantHostPattern).toBeUndefined();
    expect(loadConfig({ TENANT_HOST_PATTERN: "" }).tenantHostPattern).toBeUndefined();
    expect(loadConfig({ TENANT_HOST_PATTERN: "{slug}.Apps.Example.com" }).tenantHostPattern).toBe("{slug}.apps.example.com");
    expect(() => loadConfig({ TENANT_HOST_PATTERN: "apps.example.com" })).toThrow(ConfigError);
    expect(() => loadConfig({ TENANT_HOST_PATTERN: "apps.example.com" })).toThrow(/TENANT_HOST_PATTERN: must hold \{slug\} exactly once/);
  });
});
