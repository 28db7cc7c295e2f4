// Re-checks of active custom domains (issue 14, follow-up), the pure parts: what a check of an
// active domain decides (a failed lookup nothing; first seen elsewhere → marked; pointing back →
// cleared; elsewhere for the whole grace → disabled, not a moment before), which active domains are
// due, and the customer's email when one is disabled (FR and EN, the record to set, the account
// link treated as a secret). The DNS, Caddy and the database: tests/docker/custom-domains-recheck.
import { describe, expect, it } from "vitest";
import { ACTIVE_RECHECK_MS, MISCONFIGURED_GRACE_DAYS, MISCONFIGURED_GRACE_MS, disabledAfter, recheckCutoff, recheckDecision } from "../../orchestrator/proxy/custom-domain-recheck.ts";
import { PASSWORD_PLACEHOLDER, renderEmail, secretFieldsOf, withoutSecrets, type CustomDomainDisabledEmailInput } from "../../orchestrator/mail/templates/index.ts";

const T0 = new Date("2026-12-03T10:00:00Z");
const later = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;

describe("custom domains: what a re-check of an active domain decides", () => {
  it("a record at the target changes nothing on an unmarked domain; a failed lookup never changes anything", () => {
    expect(recheckDecision({ misconfiguredSince: null }, "points_at_target", T0)).toEqual({ kind: "record" });
    expect(recheckDecision({ misconfiguredSince: null }, "lookup_failed", T0)).toEqual({ kind: "record" });
    // Not even past the grace: the resolver being down says nothing about the customer's record.
    expect(recheckDecision({ misconfiguredSince: T0 }, "lookup_failed", later(30 * DAY))).toEqual({ kind: "record" });
  });

  it("first seen pointing elsewhere or gone: marked as of the check, not disabled", () => {
    expect(recheckDecision({ misconfiguredSince: null }, "points_elsewhere", T0)).toEqual({ kind: "mark", since: T0 });
    expect(recheckDecision({ misconfiguredSince: null }, "no_record", T0)).toEqual({ kind: "mark", since: T0 });
  });

  it("a marked domain stays served until the grace is over, then is disabled", () => {
    const marked = { misconfiguredSince: T0 };
    expect(recheckDecision(marked, "points_elsewhere", later(MISCONFIGURED_GRACE_MS - 1))).toEqual({ kind: "record" });
    expect(recheckDecision(marked, "no_record", later(DAY))).toEqual({ kind: "record" });
    expect(recheckDecision(marked, "points_elsewhere", later(MISCONFIGURED_GRACE_MS))).toEqual({ kind: "disable" });
    expect(recheckDecision(marked, "no_record", later(MISCONFIGURED_GRACE_MS + DAY))).toEqual({ kind: "disable" });
    // The grace given is the one used.
    expect(recheckDecision(marked, "points_elsewhere", later(2 * DAY), DAY)).toEqual({ kind: "disable" });
  });

  it("a marked domain pointing at the target again is cleared, even past the grace", () => {
    expect(recheckDecision({ misconfiguredSince: T0 }, "points_at_target", later(DAY))).toEqual({ kind: "clear" });
    expect(recheckDecision({ misconfiguredSince: T0 }, "points_at_target", later(MISCONFIGURED_GRACE_MS + DAY))).toEqual({ kind: "clear" });
  });

  it("defaults: re-checked every 6 hours, disabled after 7 days; the disable time shown is the mark plus the grace", () => {
    expect(ACTIVE_RECHECK_MS).toBe(6 * 3_600_000);
    expect(MISCONFIGURED_GRACE_DAYS).toBe(7);
    expect(recheckCutoff(T0)).toEqual(new Date("2026-12-03T04:00:00Z"));
    expect(disabledAfter(T0)).toEqual(new Date("2026-12-10T10:00:00Z"));
  });
});

describe("custom domains: the email when a domain is disabled", () => {
  const message: CustomDomainDisabledEmailInput = {
    purpose: "custom-domain-disabled",
    firstName: "Ada",
    company: "Acme",
    hostname: "erp.acme.test",
    target: "tenants.vendor.test",
    misconfiguredSince: new Date("2026-12-01T08:00:00Z"),
    found: "203.0.113.9",
    appUrl: "https://acme.apps.vendor.test/",
    accountUrl: "https://portal.vendor.test/trial/secret-token-123",
  };

  it.each([
    ["en", "Your domain erp.acme.test has been disabled", "Since 1 December 2026", "Hello Ada,", "DNS record to set: erp.acme.test CNAME tenants.vendor.test"],
    ["fr", "Votre domaine erp.acme.test a été désactivé", "Depuis le 1er décembre 2026", "Bonjour Ada,", "Enregistrement DNS à rétablir\u00a0: erp.acme.test CNAME tenants.vendor.test"],
  ] as const)("%s: subject, since when, what was found, the record to set, the instance and account links", (locale, subject, since, greeting, recordLine) => {
    const email = renderEmail(message, locale);
    expect(email.subject).toBe(subject);
    for (const part of [email.text, email.html]) {
      expect(part).toContain(greeting);
      expect(part).toContain(since);
      expect(part).toContain("203.0.113.9");
      expect(part).toContain("tenants.vendor.test");
      expect(part).toContain(message.appUrl);
      expect(part).toContain(message.accountUrl);
    }
    expect(email.text).toContain(recordLine);
  });

  it("a name with no record left says so instead of what was found", () => {
    const { found: _found, ...noRecord } = message;
    expect(renderEmail(noRecord, "en").text).toContain("The name no longer has any DNS record.");
    expect(renderEmail(noRecord, "fr").text).toContain("Ce nom n’a plus aucun enregistrement DNS.");
  });

  it("the account page's link is a secret: cut from the copy kept after delivery", () => {
    expect(secretFieldsOf(message)).toEqual([message.accountUrl]);
    const kept = renderEmail(withoutSecrets(message), "en");
    expect(kept.text).not.toContain("secret-token-123");
    expect(kept.text).toContain(PASSWORD_PLACEHOLDER);
  });
});
