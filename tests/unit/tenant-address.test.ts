// The tenant's address shown on the status page and in the console (app/models/tenant-address.server.ts):
// the TENANT_URL template filled in as the credentials email fills it, or none while there is none.
import { describe, expect, it } from "vitest";
import { tenantAddress } from "../../app/models/tenant-address.server.ts";

const tenant = (actualState: string, ports: number[]) => ({ slug: "dupont-btp", actualState, portLeases: ports.map((port) => ({ port })) });

describe("tenantAddress", () => {
  it("fills in the slug behind the proxy, port or not", () => {
    expect(tenantAddress("http://{slug}.localhost:8080/", tenant("active", [20004]))).toBe("http://dupont-btp.localhost:8080/");
    expect(tenantAddress("https://{slug}.apps.vendor.com/", tenant("provisioning", []))).toBe("https://dupont-btp.apps.vendor.com/");
  });

  it("fills in the first port on host ports, and gives none before the tenant has one", () => {
    expect(tenantAddress("http://localhost:{port}/", tenant("active", [20004, 20005]))).toBe("http://localhost:20004/");
    expect(tenantAddress("http://localhost:{port}/", tenant("provisioning", []))).toBeNull();
  });

  it("gives none for a destroyed tenant", () => {
    expect(tenantAddress("http://{slug}.localhost:8080/", tenant("destroyed", []))).toBeNull();
  });
});
