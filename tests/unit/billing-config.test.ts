// Billing settings (issue 12): both Stripe keys or neither (neither: trial-only), STRIPE_API_URL as
// host/port/protocol for a local double, the grace and the trial handoff; the keys never echoed.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";

const KEYS = { STRIPE_SECRET_KEY: "sk_test_abc123", STRIPE_WEBHOOK_SECRET: "whsec_def456" };

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("billing settings", () => {
  it("run trial-only without Stripe keys, with a 7-day grace and the remaining trial days handed over", () => {
    expect(loadConfig({}).billing).toEqual({ graceDays: 7, trialHandoff: "remaining-days" });
  });

  it("take both keys, and STRIPE_API_URL as the SDK's host, port and protocol", () => {
    expect(loadConfig({ ...KEYS, BILLING_GRACE_DAYS: "3", BILLING_TRIAL_HANDOFF: "none" }).billing).toEqual({
      stripe: { secretKey: "sk_test_abc123", webhookSecret: "whsec_def456" },
      graceDays: 3,
      trialHandoff: "none",
    });
    expect(loadConfig({ ...KEYS, STRIPE_API_URL: "http://127.0.0.1:12111" }).billing.stripe!.api).toEqual({ protocol: "http", host: "127.0.0.1", port: 12111 });
    expect(loadConfig({ ...KEYS, STRIPE_API_URL: "https://stripe-double.internal" }).billing.stripe!.api).toEqual({ protocol: "https", host: "stripe-double.internal", port: 443 });
  });

  it("refuse one key without the other, saying which is missing, and never echo a key", () => {
    const onlySecret = problem({ STRIPE_SECRET_KEY: "sk_live_verysecret" });
    expect(onlySecret).toMatch(/STRIPE_WEBHOOK_SECRET: is required with STRIPE_SECRET_KEY .*or unset STRIPE_SECRET_KEY to run trial-only/);
    expect(onlySecret).not.toContain("verysecret");
    expect(problem({ STRIPE_WEBHOOK_SECRET: "whsec_x1" })).toMatch(/STRIPE_SECRET_KEY: is required with STRIPE_WEBHOOK_SECRET/);
    expect(problem({ STRIPE_API_URL: "http://127.0.0.1:12111" })).toMatch(/STRIPE_API_URL: has no effect without STRIPE_SECRET_KEY/);
  });

  it("refuse malformed values with what is expected", () => {
    const bad = problem({ STRIPE_SECRET_KEY: "pk_test_publishable", STRIPE_WEBHOOK_SECRET: "secret-without-prefix" });
    expect(bad).toMatch(/STRIPE_SECRET_KEY: must be a Stripe secret key .* \(got "\*\*\*"\)/);
    expect(bad).toMatch(/STRIPE_WEBHOOK_SECRET: must be the webhook endpoint's signing secret \(whsec_…\).* \(got "\*\*\*"\)/);
    expect(problem({ ...KEYS, STRIPE_API_URL: "http://127.0.0.1:12111/v1" })).toMatch(/STRIPE_API_URL: must be an http:\/\/ or https:\/\/ address without a path/);
    expect(problem({ BILLING_GRACE_DAYS: "91" })).toMatch(/BILLING_GRACE_DAYS: must be at most 90/);
    expect(problem({ BILLING_TRIAL_HANDOFF: "all" })).toMatch(/BILLING_TRIAL_HANDOFF: must be remaining-days .* or none/);
  });
});
