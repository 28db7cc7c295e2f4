// Which hostnames a customer may add as a custom domain (issue 14): a DNS name of at least two
// labels, not an IP address, not `localhost`, and not under the vendor's own tenants' domain (the
// part of the hostname pattern after {slug}: those names belong to tenants) nor the target itself.
// Pure: custom-domains.ts refuses with the problem's code, the portal says it in FR and EN.
import type { HostPattern } from "./tenant-route.ts";

export type CustomDomainProblem = "syntax" | "ip-address" | "single-label" | "vendor-domain" | "target";

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The hostname as stored: trimmed, lower-case, without one trailing dot. */
export function normalizeHostname(input: string): string {
  return input.trim().toLowerCase().replace(/\.$/, "");
}

/** Why `hostname` (normalized) cannot be a custom domain, or null when it can. */
export function customDomainProblem(hostname: string, pattern: HostPattern, target: string): CustomDomainProblem | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(":") || /^\[.*\]$/.test(hostname)) return "ip-address";
  if (hostname.length === 0 || hostname.length > 253) return "syntax";
  const labels = hostname.split(".");
  if (!labels.every((label) => DNS_LABEL.test(label))) return "syntax";
  // A top-level label is never all digits (that would read as an address).
  if (/^\d+$/.test(labels[labels.length - 1]!)) return "ip-address";
  if (labels.length < 2 || hostname.endsWith(".localhost") || hostname === "localhost") return "single-label";
  const vendorDomain = pattern.suffix.replace(/^\./, "");
  if (vendorDomain && (hostname === vendorDomain || hostname.endsWith(`.${vendorDomain}`))) return "vendor-domain";
  if (hostname === normalizeHostname(target)) return "target";
  return null;
}
