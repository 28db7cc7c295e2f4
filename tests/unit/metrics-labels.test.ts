// /metrics' bounded labels and its guard: raw paths with ids collapse to their Remix route id (on
// the real build's route manifest), unknown paths and methods to fixed names; the bearer token is
// compared exactly; "loopback" means the socket's peer, never a header; METRICS_TOKEN is validated.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.server.ts";
import { bearerMatches, isDirectLoopback, isLoopbackAddress } from "../../app/http/metrics.ts";
import { methodLabel, routeLabeler, UNMATCHED, type RouteManifestEntry } from "../../app/metrics/route-label.server.ts";

// The route manifest as the Remix compiler writes it for this app (flat routes, one layout).
const manifest: Record<string, RouteManifestEntry> = Object.fromEntries(
  [
    { id: "root", path: "" },
    { id: "routes/_index", parentId: "root", index: true },
    { id: "routes/admin", parentId: "root", path: "admin" },
    { id: "routes/admin._index", parentId: "routes/admin", index: true },
    { id: "routes/admin.tenants._index", parentId: "routes/admin", path: "tenants", index: true },
    { id: "routes/admin.tenants.$id", parentId: "routes/admin", path: "tenants/:id" },
    { id: "routes/admin.tenants.$id.logs", parentId: "routes/admin.tenants.$id", path: "logs" },
    { id: "routes/admin.customers.$id.erase", parentId: "routes/admin", path: "customers/:id/erase" },
    { id: "routes/admin_.login", parentId: "root", path: "admin/login" },
    { id: "routes/trial.$token", parentId: "root", path: "trial/:token" },
    { id: "routes/healthz", parentId: "root", path: "healthz" },
    { id: "routes/files.$", parentId: "root", path: "files/*" },
  ].map((r) => [r.id, r]),
);

describe("route labels", () => {
  const label = routeLabeler(manifest);

  it("gives a path with ids its route id, whatever the id", () => {
    for (const id of ["0b9f6c1e-8f7a-4c1e-9d1a-3f2b5c6d7e8f", "another-tenant", "x"]) {
      expect(label(`/admin/tenants/${id}`)).toBe("routes/admin.tenants.$id");
      expect(label(`/admin/tenants/${id}/logs`)).toBe("routes/admin.tenants.$id.logs");
      expect(label(`/admin/customers/${id}/erase`)).toBe("routes/admin.customers.$id.erase");
      expect(label(`/trial/${id}`)).toBe("routes/trial.$token");
    }
  });

  it("prefers static segments and index routes, as Remix does", () => {
    expect(label("/")).toBe("routes/_index");
    expect(label("/admin")).toBe("routes/admin._index");
    expect(label("/admin/")).toBe("routes/admin._index");
    expect(label("/admin/tenants")).toBe("routes/admin.tenants._index");
    // admin_.login is static all the way; it must not be taken for a child of the layout.
    expect(label("/admin/login")).toBe("routes/admin_.login");
    expect(label("/HealthZ")).toBe("routes/healthz");
  });

  it("matches splats and names the paths served outside Remix", () => {
    expect(label("/files/a/b/c.txt")).toBe("routes/files.$");
    expect(label("/build/_assets/app-4F2A.css")).toBe("static");
    expect(label("/build")).toBe("static");
    expect(label("/_control/tasks/run-due")).toBe("control");
    expect(label("/metrics")).toBe("metrics");
    // Only the path and what is below it: a look-alike is a page Remix does not have.
    expect(label("/metricsxyz")).toBe(UNMATCHED);
    expect(label("/buildings")).toBe(UNMATCHED);
  });

  it("folds every unknown path into one label", () => {
    const labels = new Set(["/wp-login.php", "/admin/tenants/1/2/3/4", "/trial", "/%E0%A4%A", `/${"a".repeat(500)}`].map(label));
    expect(labels).toEqual(new Set([UNMATCHED]));
  });

  it("keeps the usual methods and folds the others", () => {
    expect(methodLabel("get")).toBe("GET");
    expect(methodLabel("POST")).toBe("POST");
    expect(methodLabel("PROPFIND")).toBe("OTHER");
    expect(methodLabel("X".repeat(40))).toBe("OTHER");
  });

  describe("on the real build", () => {
    const buildPath = path.resolve("build/index.js");
    let real: (pathname: string) => string;
    beforeAll(async () => {
      if (!existsSync(buildPath)) throw new Error("build/index.js is missing: run `npx remix build` first");
      const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
      real = routeLabeler(build.routes);
    });

    it("labels the app's own pages by their route ids", () => {
      expect(real("/")).toBe("routes/_index");
      expect(real("/healthz")).toBe("routes/healthz");
      expect(real("/admin/tenants/3f1c2d9e-0000-4000-8000-000000000000")).toBe("routes/admin.tenants.$id");
      expect(real("/admin/tenants")).toBe("routes/admin.tenants._index");
      expect(real("/admin/setup")).toBe("routes/admin_.setup");
      expect(real("/lang/fr")).toBe("routes/lang.$locale");
      expect(real("/no/such/page")).toBe(UNMATCHED);
    });
  });
});

describe("the /metrics guard", () => {
  const token = "0123456789abcdef0123456789abcdef";

  it("accepts exactly the bearer token", () => {
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Bearer ${token.slice(0, -1)}`, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches("Bearer ", token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
  });

  it("takes loopback from the socket's peer, and refuses what a proxy relayed", () => {
    const request = (remoteAddress: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress }, headers }) as never;
    expect(isDirectLoopback(request("127.0.0.1"))).toBe(true);
    expect(isDirectLoopback(request("::1"))).toBe(true);
    expect(isDirectLoopback(request("::ffff:127.0.0.1"))).toBe(true);
    expect(isDirectLoopback(request("10.0.0.7"))).toBe(false);
    expect(isDirectLoopback(request("::ffff:192.168.1.2"))).toBe(false);
    expect(isDirectLoopback(request("127.0.0.1", { "x-forwarded-for": "203.0.113.9" }))).toBe(false);
    expect(isDirectLoopback(request("127.0.0.1", { forwarded: "for=203.0.113.9" }))).toBe(false);
    expect(isLoopbackAddress("127.10.20.30")).toBe(true);
    expect(isLoopbackAddress("128.0.0.1")).toBe(false);
  });

  it("validates METRICS_TOKEN and never echoes it", () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(() => loadConfig({ METRICS_TOKEN: "short-secret" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: "has a space in the middle" })).toThrow(/METRICS_TOKEN: must be printable ASCII without spaces/);
    try {
      loadConfig({ METRICS_TOKEN: "short-secret" });
    } catch (error) {
      expect(String(error)).not.toContain("short-secret");
    }
  });
});
