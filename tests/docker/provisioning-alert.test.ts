// The operators hear of a failed provisioning exactly once, with a valid signature: an in-process
// orchestrator on the real Docker engine (as in lifecycle.test.ts) whose template names an app
// image that does not exist, so a signup's provisioning fails for good; its alert is raised with
// the job's failure and delivered by two notification senders running at once to a webhook
// receiver on 127.0.0.1 (generic JSON, signed with a secret) that takes a second to answer. The
// receiver gets one POST for that job's alert, whose HMAC-SHA256 signature verifies, and no log
// line holds the webhook's URL.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import type { NotificationSender, Worker } from "../../orchestrator/index.ts";
import { verifyWebhookSignature, type GenericPayload } from "../../orchestrator/notify/formats.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator, LOCAL_TEMPLATE_VALUES } from "../support/engine-orchestrator.ts";
import { engineResourcesOf, freePortRange, removeTenantsFromEngine } from "../support/tenant-engine.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const SECRET = randomBytes(32).toString("hex");

describe("a failed provisioning alerts the operators' webhook once, signed", () => {
  let database: TestDatabase;
  let worker: Worker;
  let senders: NotificationSender[] = [];
  let receiver: WebhookReceiver;
  let mailboxDir: string;
  let tenantId: string | undefined;
  const { logger, lines: logLines } = capturingLogger();
  const missingImage = `tenantry/no-such-image-${randomBytes(3).toString("hex")}:1`;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    receiver = await startWebhookReceiver();
    // A slow receiver: while one sender waits for its answer, the other polls about ten times.
    receiver.delayAnswers(1_000);
    mailboxDir = await mkdtemp(path.join(tmpdir(), "tenantry-alert-"));
    const orchestrator = await engineOrchestrator({
      prisma: database.db.prisma,
      logger,
      templateValues: { ...LOCAL_TEMPLATE_VALUES, APP_IMAGE: missingImage },
      portRange: await freePortRange(),
      mailboxDir,
      pollIntervalMs: 100,
      notify: { mode: "send", emails: [], webhook: { url: receiver.url, format: "json", secret: SECRET }, vendorName: "Acme Cloud", locale: "en" },
    });
    worker = orchestrator.startWorker();
    // Two senders at once, as two portal processes would run them.
    senders = [orchestrator.startNotificationSender(), orchestrator.startNotificationSender()];
  });

  afterAll(async () => {
    await Promise.all(senders.map((sender) => sender.stop()));
    await worker?.stop();
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await receiver?.stop();
    await database?.dispose();
    if (mailboxDir) await rm(mailboxDir, { recursive: true, force: true });
  });

  const prisma = () => database.db.prisma;

  async function until<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs = 180_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logLines.slice(-20).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it("the receiver gets exactly one POST for the job's alert, and its signature verifies", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company: `Alert ${randomBytes(3).toString("hex")}` }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    const tenant = await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true } });
    tenantId = tenant.id;
    const jobId = tenant.jobs[0]!.id;

    const job = await until("the provisioning job to fail", async () => {
      const row = await prisma().provisioningJob.findUniqueOrThrow({ where: { id: jobId } });
      if (row.status === "succeeded") throw new Error("the provisioning succeeded with a missing image");
      return row.status === "failed" ? row : null;
    });
    expect(job.lastError).toContain(missingImage);
    expect(await engineResourcesOf(tenant.id)).toEqual({ containers: [], networks: [], volumes: [] });

    const notification = await until("the alert to be delivered", async () => {
      const row = await prisma().operatorNotification.findUnique({ where: { idempotencyKey: `alert.provisioning_failed:${jobId}` } });
      return row?.status === "sent" ? row : null;
    });
    // Both senders poll again a few times (every 100 ms) after the delivery: nothing more is sent.
    senders.forEach((sender) => sender.wake());
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const posts = receiver.requests.filter((request) => request.headers["x-tenantry-delivery"] === notification.id);
    expect(posts).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
    const [post] = posts;
    expect(post!.method).toBe("POST");
    const timestamp = post!.headers["x-tenantry-timestamp"] as string;
    const signature = post!.headers["x-tenantry-signature"] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, timestamp, post!.body, signature)).toBe(true);
    expect(verifyWebhookSignature(`${SECRET}0`, timestamp, post!.body, signature)).toBe(false);

    const body = JSON.parse(post!.body) as GenericPayload;
    expect(body).toMatchObject({
      id: notification.id,
      kind: "alert.provisioning_failed",
      severity: "critical",
      title: `Acme Cloud: Provisioning failed for tenant ${tenant.slug}`,
      fields: { tenant: tenant.slug, tenantId: tenant.id, jobId },
    });
    expect(body.text).toContain(missingImage);
    expect(await prisma().operatorNotification.count()).toBe(1);
    expect(notification.attempts).toBe(1);
    // The webhook's URL is a secret: no log line holds it.
    expect(logLines.filter((line) => line.includes("SECRETPATH"))).toEqual([]);
  });
});
