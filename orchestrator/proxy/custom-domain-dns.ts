// Does a custom domain's DNS point at the vendor's target (issue 14)? Asked of DNS servers through
// node:dns's Resolver (the configured DNS servers, else the system's): the domain's CNAME is the
// target (a subdomain's usual record), or the addresses it resolves to (an apex domain's A/AAAA
// records, or a longer CNAME chain) are all among the target's addresses. The answer says what was
// found, so the customer's page can say "points elsewhere (found X)" or "no record yet".
import { Resolver } from "node:dns/promises";
import { normalizeHostname } from "./custom-domain-rules.ts";

export type DnsCheckResult =
  | { result: "points_at_target"; found: string }
  | { result: "points_elsewhere"; found: string }
  | { result: "no_record" }
  | { result: "lookup_failed"; error: string };

export type DnsCheckOptions = {
  /** "ip" or "ip:port" of DNS servers to ask; empty or absent: the system's resolvers. */
  servers?: readonly string[] | undefined;
  /** Per query (default 3 s); each query is tried twice. */
  timeoutMs?: number;
};

// The "nothing there" answers: the name has no record of this type, or does not exist at all.
const NO_DATA = new Set(["ENODATA", "ENOTFOUND", "ENONAME", "NXDOMAIN"]);

export async function checkDomainDns(domain: string, target: string, options: DnsCheckOptions = {}): Promise<DnsCheckResult> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3_000, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  const name = normalizeHostname(domain);
  const wanted = normalizeHostname(target);
  try {
    const cnames = (await orNone(resolver.resolveCname(name))).map(normalizeHostname);
    if (cnames.includes(wanted)) return { result: "points_at_target", found: `CNAME ${wanted}` };
    const addresses = await addressesOf(resolver, name);
    if (addresses.length === 0) {
      return cnames.length > 0 ? { result: "points_elsewhere", found: `CNAME ${cnames.join(", ")}` } : { result: "no_record" };
    }
    const targetAddresses = new Set(await addressesOf(resolver, wanted));
    if (addresses.every((a) => targetAddresses.has(a))) return { result: "points_at_target", found: addresses.join(", ") };
    return { result: "points_elsewhere", found: cnames.length > 0 ? `CNAME ${cnames.join(", ")}` : addresses.join(", ") };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { result: "lookup_failed", error: `${code ?? "error"}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    resolver.cancel();
  }
}

async function addressesOf(resolver: Resolver, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([orNone(resolver.resolve4(name)), orNone(resolver.resolve6(name))]);
  return [...v4, ...v6].sort();
}

async function orNone(query: Promise<string[]>): Promise<string[]> {
  try {
    return await query;
  } catch (error) {
    if (NO_DATA.has((error as { code?: string }).code ?? "")) return [];
    throw error;
  }
}
