// The usage task on the real Docker engine: one tenant provisioned in-process (as
// lifecycle.test.ts does), one run of usageTask writes one sample for the period with the stack's
// memory (> 0) and its volume's size when the engine reports it; a second run of the same period
// adds nothing; through the scheduler (runDueTasks) the next period gets its own sample, once
// however often it is asked; samples past the retention time are deleted.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { systemClock } from "../../orchestrator/clock.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { defaultTimeSettings, type Worker } from "../../orchestrator/index.ts";
import { runDueTasks } from "../../orchestrator/scheduler/scheduler.ts";
import { sampleUsage, usageTask, type UsageDeps } from "../../orchestrator/usage/usage-task.ts";
import { signupContext, signupData } from "../support/signup-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { capturingLogger, engineOrchestrator } from "../support/engine-orchestrator.ts";
import { removeTenantsFromEngine } from "../support/tenant-engine.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("usage samples on the Docker engine", () => {
  let database: TestDatabase;
  let worker: Worker;
  let mailboxDir: string;
  let tenantId: string;
  const { logger, lines: logLines } = capturingLogger();
  let deps: UsageDeps;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    mailboxDir = await mkdtemp(path.join(tmpdir(), "tenantry-usage-"));
    const orchestrator = await engineOrchestrator({
      prisma: database.db.prisma,
      logger,
      portRange: { first: 43200, last: 43299 },
      mailboxDir,
    });
    worker = orchestrator.startWorker();
    deps = {
      prisma: database.db.prisma,
      driver: createDockerDriver({ docker: new Dockerode({ socketPath: "/var/run/docker.sock", timeout: 60_000 }), clock: systemClock }),
      logger,
      time: { ...defaultTimeSettings(), usageIntervalMinutes: 60, usageRetentionDays: 30 },
    };
  });

  afterAll(async () => {
    await worker?.stop();
    if (tenantId) await removeTenantsFromEngine([tenantId]);
    await database?.dispose();
    if (mailboxDir) await rm(mailboxDir, { recursive: true, force: true });
  });

  const prisma = () => database.db.prisma;
  const samples = () => prisma().usageSample.findMany({ where: { tenantId }, orderBy: { at: "asc" } });

  it("provisions one tenant", async () => {
    const outcome = await registerTrialSignup(prisma(), signupData({ company: `Usage ${randomBytes(3).toString("hex")}` }), signupContext());
    if (outcome.kind !== "created") throw new Error(`signup answered ${outcome.kind}`);
    tenantId = (await prisma().tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken } })).id;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const job = await prisma().provisioningJob.findFirstOrThrow({ where: { tenantId }, include: { steps: true } });
      if (job.status === "succeeded") break;
      if (job.status === "failed" || Date.now() > deadline) {
        throw new Error(`provisioning ${job.status}: ${job.lastError ?? ""}\n${logLines.slice(-20).join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await prisma().tenant.findUniqueOrThrow({ where: { id: tenantId } })).actualState).toBe("active");
  });

  it("one run writes a sample with the stack's memory; a second run of the period adds nothing", async () => {
    const task = usageTask(deps);
    expect(task.period.description).toBe("hourly");
    const asOf = new Date();
    const periodStart = task.period.startOf(asOf);
    const context = { asOf, periodStart, runId: "test", signal: new AbortController().signal, logger };

    const first = await task.run(context);
    expect(first).toMatchObject({ tenants: 1, sampled: 1, alreadySampled: 0, skipped: 0 });
    const [sample] = await samples();
    expect(sample?.at.toISOString()).toBe(periodStart.toISOString());
    expect(Number(sample?.memoryBytes)).toBeGreaterThan(0);
    expect(sample?.cpuPercent).toBeGreaterThanOrEqual(0);
    // The demo stack's data volume, as the engine reports it (null only when it cannot tell).
    if (sample?.diskBytes !== null) expect(Number(sample?.diskBytes)).toBeGreaterThan(0);

    const second = await task.run({ ...context, asOf: new Date(asOf.getTime() + 60_000) });
    expect(second).toMatchObject({ tenants: 1, sampled: 0, alreadySampled: 1 });
    expect(await samples()).toHaveLength(1);
  });

  it("through the scheduler: the next period gets one sample however often it is asked; old samples go", async () => {
    const options = { prisma: prisma(), clock: systemClock, logger, tasks: [usageTask(deps)] };
    // A minute into the next hour, so that "5 minutes later" is the same period whatever the time now.
    const nextHour = new Date(Math.floor(Date.now() / HOUR) * HOUR + HOUR + 60_000);
    const [ran] = await runDueTasks(options, nextHour);
    expect(ran).toMatchObject({ task: "usage", outcome: "succeeded", summary: { sampled: 1 } });
    const [again] = await runDueTasks(options, new Date(nextHour.getTime() + 5 * 60_000));
    expect(again?.outcome).toBe("skipped");
    expect(await samples()).toHaveLength(2);

    // 31 days on: the two samples are past the retention time, the new one stays.
    const later = new Date(Date.now() + 31 * DAY);
    const summary = await sampleUsage(deps, { asOf: later, periodStart: new Date(Math.floor(later.getTime() / HOUR) * HOUR), signal: new AbortController().signal, logger });
    expect(summary).toMatchObject({ sampled: 1, deleted: 2 });
    expect((await samples()).map((s) => s.at.getTime())).toEqual([Math.floor(later.getTime() / HOUR) * HOUR]);
  });
});
