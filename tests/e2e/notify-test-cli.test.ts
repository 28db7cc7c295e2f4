// `npm run notify:test` as an operator runs it, as a process on a shared database: with a signed
// JSON webhook (a receiver on 127.0.0.1) and two operator addresses it prints one line per
// channel, posts one signed message, delivers the emails to the development mailbox, and exits 0;
// when the webhook answers 500 it says so, without the URL, and exits 1; in mock mode it sends
// nothing and says so.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../orchestrator/notify/formats.ts";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { repoRoot } from "../support/portal.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const run = promisify(execFile);
const SECRET = "a-long-enough-webhook-secret-0123";
let database: SharedDatabase;
let receiver: WebhookReceiver;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createSharedDatabase();
  receiver = await startWebhookReceiver();
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-notify-cli-"));
  env = {
    NODE_ENV: "production",
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? "/tmp",
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    NOTIFY_EMAILS: "ops@vendor.test,oncall@vendor.test",
    NOTIFY_WEBHOOK_URL: receiver.url,
    NOTIFY_WEBHOOK_FORMAT: "json",
    NOTIFY_WEBHOOK_SECRET: SECRET,
    VENDOR_NAME: "Acme Cloud",
  };
});
afterAll(async () => {
  await receiver?.stop();
  await database?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function notifyTest(extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "app/notify-test-cli.ts"], { cwd: repoRoot, env: { ...env, ...extra } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run notify:test", () => {
  it("sends through every channel, one line each, and exits 0", async () => {
    const { code, stdout, stderr } = await notifyTest();
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.trim().split("\n")).toEqual([
      "[ok] email: queued for 2 addresses in the outbox (the mail sender delivers it)",
      "[ok] webhook (json): delivered, HTTP 200",
      "[ok] email to oncall@vendor.test: delivered",
      "[ok] email to ops@vendor.test: delivered",
    ]);
    expect(receiver.requests).toHaveLength(1);
    const [post] = receiver.requests;
    expect(verifyWebhookSignature(SECRET, post!.headers["x-tenantry-timestamp"] as string, post!.body, post!.headers["x-tenantry-signature"] as string)).toBe(true);
    expect(JSON.parse(post!.body)).toMatchObject({ kind: "test", severity: "info", title: "Acme Cloud: Test notification" });

    const mailbox = await run(process.execPath, ["--import", "tsx", "app/mailbox.ts"], { cwd: repoRoot, env });
    expect(mailbox.stdout).toContain("2 message(s)");
    expect(mailbox.stdout).toContain("[Acme Cloud] Test notification");
  });

  it("says which channel failed, without the webhook's URL, and exits 1", async () => {
    receiver.respondWith(500);
    const { code, stdout, stderr } = await notifyTest({ NOTIFY_EMAILS: "" });
    receiver.respondWith(200);
    expect(code).toBe(1);
    expect(stdout).toContain("[failed] webhook (json): the webhook answered HTTP 500: no thanks\n");
    expect(stdout).toContain("A channel failed: check NOTIFY_WEBHOOK_URL");
    expect(`${stdout}${stderr}`).not.toContain("SECRETPATH");
  });

  it("in mock mode sends nothing and says so", async () => {
    const before = receiver.requests.length;
    const { code, stdout } = await notifyTest({ NOTIFY_MODE: "mock" });
    expect(code).toBe(0);
    expect(stdout).toContain("[mock] nothing sent (mock mode): the notification was logged; it would go to email to 2 addresses and a json webhook (signed)\n");
    expect(receiver.requests.length).toBe(before);
  });
});
