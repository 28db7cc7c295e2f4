// Issue 11, "must show" 2: on the quick start (embedded database, held by the portal's process),
// `npm run tasks -- run-due --at <the trial's end + 1 day>` reaches the running portal through its
// control channel, suspends the signed-up tenant (its containers stop) and puts the expiry email in
// the development mailbox; `npm run tasks -- list` shows the run. Real portal, real engine.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postSignup, repoRoot, startPortal, type Portal } from "../support/portal.ts";
import { docker, freePortRange, LOCAL_IMAGES } from "../support/tenant-engine.ts";

const run = promisify(execFile);
const DAY = 86_400_000;

let portal: Portal;
let dataDir: string;
let env: NodeJS.ProcessEnv;
const company = `Quickstart Tasks ${Math.random().toString(36).slice(2, 7)}`;
let project = "";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-quickstart-tasks-"));
  const range = await freePortRange();
  const portalEnv = {
    DATA_DIR: dataDir,
    ...LOCAL_IMAGES,
    TENANT_PORT_RANGE: `${range.first}-${range.last}`,
    // The quick start's portal runs the worker (as `npm start` does); its scheduler must not get
    // there first: this test is about the command.
    WORKER: "true",
    SCHEDULER: "false",
  };
  portal = await startPortal(portalEnv);
  env = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", ...portalEnv, PORT: new URL(portal.url).port };
});

afterAll(async () => {
  await portal?.stop();
  if (project) {
    const filters = { label: [`com.docker.compose.project=${project}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function npm(...args: string[]) {
  return run("npm", ["run", "--silent", ...args], { cwd: repoRoot, env, timeout: 120_000 });
}

async function mailboxSubjects(): Promise<string> {
  return (await npm("mailbox")).stdout;
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${portal.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function appContainerState(): Promise<string | undefined> {
  const filters = { label: [`com.docker.compose.project=${project}`, "com.docker.compose.service=app"] };
  return (await docker.listContainers({ all: true, filters }))[0]?.State;
}

describe("npm run tasks on the quick start", () => {
  it("suspends an ended trial and mails the customer, through the running portal", async () => {
    const signedUpAt = Date.now();
    const id = Math.random().toString(36).slice(2, 10);
    const response = await postSignup(portal.url, {
      firstName: "Quinn",
      lastName: "Start",
      email: `q.${id}@example.com`,
      company,
      phone: "+33612345678",
      acceptTerms: "on",
      signupKey: `quickstart-${id}-0123456789`,
    });
    expect(response.status).toBe(303);

    // The instance is ready when its credentials arrive.
    await until(async () => (await mailboxSubjects()).includes(`Your instance for ${company} is ready`), "the credentials email");
    const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    project = `client-${slug}`;
    expect(await appContainerState()).toBe("running");

    // Before the end, nothing is due for this trial.
    const early = await npm("tasks", "--", "run-due", "--at", new Date(signedUpAt + 10 * DAY).toISOString());
    expect(early.stdout).toContain("through the running portal");
    expect(early.stdout).toMatch(/trial-lifecycle\s+succeeded/);
    expect(await appContainerState()).toBe("running");

    // The trial lasts 30 days (TRIAL_DAYS); one day after its end:
    const at = new Date(signedUpAt + 31 * DAY).toISOString();
    const due = await npm("tasks", "--", "run-due", "--at", at);
    expect(due.stdout).toContain(`Tasks due as of ${at}`);
    expect(due.stdout).toMatch(/trial-lifecycle\s+succeeded\s+.*expired=1/);

    await until(async () => (await appContainerState()) === "exited", "the tenant's app container to stop");
    await until(async () => (await mailboxSubjects()).includes(`Your trial for ${company} has ended`), "the expiry email");
    const expiry = await npm("mailbox", "--", "last");
    expect(expiry.stdout).toContain(`Subject: Your trial for ${company} has ended`);
    expect(expiry.stdout).toContain("Quinn");

    // Run again for the same time: that period is done, nothing happens twice.
    const again = await npm("tasks", "--", "run-due", "--at", at);
    expect(again.stdout).toMatch(/trial-lifecycle\s+skipped/);
    const list = await npm("tasks", "--", "list");
    expect(list.stdout).toMatch(/trial-lifecycle\s+every 15 minutes\s+last: succeeded/);
    expect((await mailboxSubjects()).match(new RegExp(`Your trial for ${company} has ended`, "g"))).toHaveLength(1);
  });

  it("refuses a time that is not one, before touching anything", async () => {
    const refused = await npm("tasks", "--", "run-due", "--at", "next tuesday").catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain("is not a date");
  });
});
