import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";

describe("configuration", () => {
  it("starts on embedded defaults with an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      databaseUrl: undefined,
      trialDays: 30,
      signupRateLimitPerHour: 5,
      trustProxy: false,
      defaultPhoneCountry: "FR",
    });
    expect(config.embeddedDatabaseDir).toBe(path.resolve("data/pglite"));
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }).port).toBe(3000);
  });

  it("reads every setting", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u:p@db:5432/tenantry",
      TRIAL_DAYS: "14",
      SIGNUP_RATE_LIMIT_PER_HOUR: "20",
      TRUST_PROXY: "true",
      DEFAULT_PHONE_COUNTRY: "BE",
    });
    expect(config).toMatchObject({ port: 8080, host: "0.0.0.0", trialDays: 14, signupRateLimitPerHour: 20, trustProxy: true, defaultPhoneCountry: "BE" });
  });

  it("names every bad variable, what is wrong and hides the database password", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", TRIAL_DAYS: "0", DATABASE_URL: "mysql://root:hunter2@db/x", TRUST_PROXY: "maybe" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT: must be a whole number between 1 and 65535 \(got "eighty"\)/);
    expect(message).toMatch(/TRIAL_DAYS: must be at least 1/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL \(got "mysql:\/\/root:\*\*\*@db\/x"\)/);
    expect(message).toMatch(/TRUST_PROXY: must be true or false/);
    expect(message).not.toContain("hunter2");
  });
});
