// The tenant backups' bucket settings (issue 13): unset, backups stay in BACKUP_DIR only; with
// BACKUP_S3_URL, both keys are needed (and no key without the URL); the URL must name a bucket;
// the secret is never echoed in a configuration error.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";

const KEYS = { BACKUP_S3_ACCESS_KEY_ID: "AKIAEXAMPLE", BACKUP_S3_SECRET_ACCESS_KEY: "verysecretvalue" };

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("tenant backups' S3 bucket settings", () => {
  it("unset: no bucket", () => {
    expect(loadConfig({}).tenantBackups.s3).toBeUndefined();
  });

  it("the URL and both keys: the bucket, region us-east-1 unless given", () => {
    expect(loadConfig({ BACKUP_S3_URL: "https://s3.eu-west-3.amazonaws.com/my-bucket/prefix", ...KEYS }).tenantBackups.s3).toEqual({
      url: "https://s3.eu-west-3.amazonaws.com/my-bucket/prefix",
      region: "us-east-1",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "verysecretvalue",
    });
    expect(loadConfig({ BACKUP_S3_URL: "http://127.0.0.1:9000/b", BACKUP_S3_REGION: "eu-west-3", ...KEYS }).tenantBackups.s3?.region).toBe("eu-west-3");
  });

  it("refuses half a setup, a URL without a bucket, and never echoes the secret", () => {
    const noKeys = problem({ BACKUP_S3_URL: "https://s3.example.com/b" });
    expect(noKeys).toMatch(/BACKUP_S3_URL: needs BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY/);
    const noUrl = problem({ BACKUP_S3_SECRET_ACCESS_KEY: "verysecretvalue" });
    expect(noUrl).toMatch(/BACKUP_S3_URL: is required with BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY/);
    expect(noUrl).not.toContain("verysecretvalue");
    expect(problem({ BACKUP_S3_URL: "https://s3.example.com/", ...KEYS })).toMatch(/must be https:\/\/<endpoint>\/<bucket>/);
  });
});
