// The custom-domain DNS check (issue 14) against a real DNS server: Debian's dnsmasq on loopback
// (tests/support/dnsmasq.ts) with a CNAME to the target, an apex-style A record on the target's
// address, a CNAME and an A record pointing elsewhere, and a name with no record; also a server
// that does not answer. Each answer is what the customer's page words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDomainDns } from "../../orchestrator/index.ts";
import { startDnsmasq, type Dnsmasq } from "../support/dnsmasq.ts";

const TARGET = "tenants.vendor.test";

describe("custom domain DNS check against dnsmasq", () => {
  let dns: Dnsmasq;
  const check = (domain: string) => checkDomainDns(domain, TARGET, { servers: [dns.server] });

  beforeAll(async () => {
    dns = await startDnsmasq(
      {
        hostRecords: [
          [TARGET, "127.0.0.1"],
          ["apex-customer.test", "127.0.0.1"],
          ["away.customer.test", "203.0.113.7"],
          ["www.elsewhere.test", "198.51.100.1"],
        ],
        cnames: [
          ["erp.customer.test", TARGET],
          ["other.customer.test", "www.elsewhere.test"],
        ],
      },
      { first: 47700, last: 47739 },
    );
  }, 30_000);

  afterAll(async () => {
    await dns?.stop();
  });

  it("a CNAME to the target points at it (case and trailing dot ignored)", async () => {
    expect(await check("ERP.Customer.test.")).toEqual({ result: "points_at_target", found: `CNAME ${TARGET}` });
  });

  it("an A record on the target's address (an apex domain) points at it", async () => {
    expect(await check("apex-customer.test")).toEqual({ result: "points_at_target", found: "127.0.0.1" });
  });

  it("an A record elsewhere, or a CNAME to another name, points elsewhere and says what was found", async () => {
    expect(await check("away.customer.test")).toEqual({ result: "points_elsewhere", found: "203.0.113.7" });
    expect(await check("other.customer.test")).toEqual({ result: "points_elsewhere", found: "CNAME www.elsewhere.test" });
  });

  it("a name with no record has none", async () => {
    expect(await check("nothing.customer.test")).toEqual({ result: "no_record" });
  });

  it("a DNS server that does not answer is a failed lookup, not a verdict", async () => {
    const stopped = await startDnsmasq({}, { first: 47740, last: 47749 });
    await stopped.stop();
    const answer = await checkDomainDns("erp.customer.test", TARGET, { servers: [stopped.server], timeoutMs: 500 });
    expect(answer.result).toBe("lookup_failed");
  }, 20_000);
});
