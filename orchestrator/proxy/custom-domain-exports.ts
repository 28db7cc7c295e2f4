// What orchestrator/index.ts exports of custom domains (issue 14): the service type, the refusal the
// portal words in FR and EN, the hostname rules (the portal's forms) and the DNS check (its tests).
export type { CustomDomainService } from "./custom-domain-service.ts";
export { CustomDomainRefused, type CustomDomainActor, type CustomDomainRefusal, type CustomDomainSettings } from "./custom-domains.ts";
export { customDomainProblem, normalizeHostname, type CustomDomainProblem } from "./custom-domain-rules.ts";
export { checkDomainDns, type DnsCheckResult } from "./custom-domain-dns.ts";
export { CUSTOM_DOMAINS_TASK } from "./custom-domain-task.ts";
