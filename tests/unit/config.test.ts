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
      signupMaxPendingTenants: 50,
      maxRequestBodyBytes: 64 * 1024,
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
      SIGNUP_MAX_PENDING_TENANTS: "7",
      MAX_REQUEST_BODY_KB: "256",
      TRUST_PROXY: "1",
      DEFAULT_PHONE_COUNTRY: "BE",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      trialDays: 14,
      signupRateLimitPerHour: 20,
      signupMaxPendingTenants: 7,
      maxRequestBodyBytes: 256 * 1024,
      trustProxy: 1,
      defaultPhoneCountry: "BE",
    });
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
    expect(message).toMatch(/TRUST_PROXY: "maybe" is not an address, a range or a hop count; write the number of reverse proxies/);
    expect(message).not.toContain("hunter2");
  });

  describe("TRUST_PROXY", () => {
    it("takes a number of proxy hops, so that the client address is the one the nearest proxy saw", () => {
      expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
      expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
      expect(loadConfig({ TRUST_PROXY: "0" }).trustProxy).toBe(false);
      expect(loadConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(false);
    });

    it("takes the proxies' addresses, ranges and express's range names", () => {
      expect(loadConfig({ TRUST_PROXY: "127.0.0.1" }).trustProxy).toEqual(["127.0.0.1"]);
      expect(loadConfig({ TRUST_PROXY: " 10.0.0.0/8, ::1 ,loopback,192.168.1.0/255.255.255.0" }).trustProxy).toEqual([
        "10.0.0.0/8",
        "::1",
        "loopback",
        "192.168.1.0/255.255.255.0",
      ]);
    });

    it("refuses true, which trusted the X-Forwarded-For entry the client writes, and says what to write instead", () => {
      for (const value of ["true", "TRUE", "yes"]) {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(
          /TRUST_PROXY: "true" is no longer accepted: it trusted the X-Forwarded-For entry the client writes itself; write the number of reverse proxies in front of the portal \(1 for one nginx\) or their addresses/,
        );
      }
    });

    it.each(["10.0.0.0/33", "300.1.1.1", "11", "nginx", "10.0.0.1/8/2", "::1/129", "127.0.0.1,"])("refuses %j", (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: /);
    });
  });

  it("bounds the body limit and the cap on tenants waiting for provisioning", () => {
    expect(() => loadConfig({ MAX_REQUEST_BODY_KB: "0" })).toThrow(/MAX_REQUEST_BODY_KB: must be at least 1/);
    expect(() => loadConfig({ SIGNUP_MAX_PENDING_TENANTS: "none" })).toThrow(/SIGNUP_MAX_PENDING_TENANTS: must be a whole number/);
  });

  describe("time and notifications", () => {
    it("defaults to reminders 7 and 1 days before the end, 30 days suspended, 90 kept, mock notifications", () => {
      const { time, notify } = loadConfig({});
      expect(time).toMatchObject({
        runScheduler: true,
        schedulerPollMs: 15_000,
        trialReminderDays: [7, 1],
        suspendedDaysBeforeTermination: 30,
        dumpRetentionDays: 90,
        eraseTerminatedAfterDays: 90,
        reconcileIntervalMinutes: 5,
        usageIntervalMinutes: 60,
        usageRetentionDays: 30,
        dumpsDir: path.resolve("data/dumps"),
      });
      expect(notify).toEqual({ mode: "mock", emails: [], vendorName: "Tenantry", locale: "en" });
    });

    it("reads reminder days in any order, once each, latest first", () => {
      expect(loadConfig({ TRIAL_REMINDER_DAYS: "1, 14,7,7" }).time.trialReminderDays).toEqual([14, 7, 1]);
      expect(() => loadConfig({ TRIAL_REMINDER_DAYS: "seven" })).toThrow(/TRIAL_REMINDER_DAYS: must be days before the trial's end/);
    });

    it("wants periods that divide an hour", () => {
      expect(() => loadConfig({ RECONCILE_INTERVAL_MINUTES: "7" })).toThrow(/RECONCILE_INTERVAL_MINUTES: must divide an hour evenly/);
      expect(loadConfig({ RECONCILE_INTERVAL_MINUTES: "10" }).time.reconcileIntervalMinutes).toBe(10);
    });

    it("sends once a channel is configured, and never echoes the webhook's address or secret", () => {
      const notify = loadConfig({
        NOTIFY_EMAILS: "ops@vendor.test, cto@vendor.test",
        NOTIFY_WEBHOOK_URL: "https://hooks.slack.test/services/T0/B0/secretpart",
        NOTIFY_WEBHOOK_FORMAT: "slack",
        NOTIFY_LOCALE: "fr",
      }).notify;
      expect(notify).toMatchObject({ mode: "send", emails: ["ops@vendor.test", "cto@vendor.test"], locale: "fr" });
      expect(notify.webhook).toEqual({ url: "https://hooks.slack.test/services/T0/B0/secretpart", format: "slack" });
      expect(loadConfig({ NOTIFY_EMAILS: "ops@vendor.test", NOTIFY_MODE: "mock" }).notify.mode).toBe("mock");

      let message = "";
      try {
        loadConfig({ NOTIFY_WEBHOOK_URL: "ftp://hooks.test/services/secretpart", NOTIFY_WEBHOOK_SECRET: "short-secret", NOTIFY_EMAILS: "not-an-email" });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/NOTIFY_WEBHOOK_URL: must be an http/);
      expect(message).toMatch(/NOTIFY_WEBHOOK_SECRET: must be at least 16 characters/);
      expect(message).toMatch(/NOTIFY_EMAILS: must be email addresses/);
      expect(message).not.toContain("secretpart");
      expect(message).not.toContain("short-secret");
    });
  });
});
