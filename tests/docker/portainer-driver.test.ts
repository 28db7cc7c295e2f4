// The Portainer driver where Portainer's own behaviour matters, against the Portainer double on the
// real Docker engine: sessions that expire or die with a restart, Portainer's login ban, a create
// whose answer is lost, a stack with our name that is not ours, a Portainer that does not answer,
// Portainer's error bodies reaching the admin with their message, and jobs stopped while Portainer
// works for them (a shared re-login, a synchronous deployment).
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.server.ts";
import { DriverError, EngineUnavailableError, TemplateError } from "../../orchestrator/errors.ts";
import { freeLocalPort, newTestSlug } from "../support/docker-stack.ts";
import { freePort } from "../support/portal.ts";
import { portainerDriverFor, renderDemoTenant, startDouble, type PortainerDouble } from "../support/portainer-lab.ts";

const created: { double: PortainerDouble; projects: string[] }[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

async function double(options: Parameters<typeof startDouble>[0] = {}): Promise<PortainerDouble> {
  const d = await startDouble(options);
  created.push({ double: d, projects: [] });
  return d;
}

function track(d: PortainerDouble, project: string): void {
  created.find((c) => c.double === d)!.projects.push(project);
}

afterAll(async () => {
  for (const { double: d, projects } of created) {
    await d.settle();
    const driver = portainerDriverFor(d);
    for (const project of projects) await driver.remove(project, { removeVolumes: true }).catch(() => undefined);
    await d.stop();
  }
});

describe("Portainer sessions", () => {
  it("renews an expired JWT once for all callers (no login storm), and again after a restart", async () => {
    // JWT expiry is in whole seconds: a 2 s session lasts between 1 and 2 s after the login.
    const d = await double({ sessionTimeoutMs: 2_000 });
    const driver = portainerDriverFor(d, "password");
    await driver.ping();
    expect(d.logins()).toBe(1);
    await new Promise((r) => setTimeout(r, 2_100));
    // Six calls at once, all with the expired token: one login between them.
    const project = `client-${newTestSlug()}`;
    const statuses = await Promise.all(Array.from({ length: 6 }, () => driver.status(project)));
    expect(statuses.every((s) => s.exists === false)).toBe(true);
    expect(d.logins()).toBe(2);
    const refused = d.requests.filter((r) => r.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(6);

    // Portainer forgets every JWT when it restarts.
    await d.restart();
    await driver.ping();
    expect(d.logins()).toBe(3);
    // Never an API key and a token together, never a cookie.
    expect(d.requests.filter((r) => r.via === "cookie")).toEqual([]);
  });

  it("lets one job's abort stop only that job's wait, never a re-login other callers share", async () => {
    const d = await double({ sessionTimeoutMs: 2_000 });
    const driver = portainerDriverFor(d, "password");
    await driver.ping();
    await sleep(2_100); // the session token has expired
    const tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
    const project = tenant.stack.project;
    track(d, project);
    const mark = d.requests.length;
    const since = () => d.requests.slice(mark);
    d.delayNextRequest("POST", /^\/api\/auth$/, 1_500);

    // A job's deploy meets the 401 first and starts the login; a second caller joins it.
    const job = new AbortController();
    const deploy = driver.deploy(tenant.stack, { signal: job.signal }).then(() => "deployed", (err: unknown) => err);
    await until(() => since().some((r) => r.path === "/api/auth"), "the deploy started the login");
    const other = driver.status(project).then((status) => status, (err: unknown) => err);
    // The token is being renewed, so the second caller sends nothing: it waits for that login.
    await sleep(300);
    expect(since().filter((r) => r.path !== "/api/auth").map((r) => r.status)).toEqual([401]);
    job.abort(new Error("the job's deadline passed (test)"));

    // The aborted job stops waiting at once, with its own reason...
    expect(await deploy).toBe(job.signal.reason);
    // ...while the login carries on and serves the other caller.
    expect(await other).toEqual({ project, exists: false, containers: [] });
    expect(d.logins()).toBe(2);
    expect(since().filter((r) => r.path === "/api/auth").map((r) => r.status)).toEqual([200]);
    expect(d.stacks().filter((s) => s.Name === project)).toEqual([]);
  });

  it("says clearly when the password is wrong, without showing it", async () => {
    const d = await double();
    const driver = portainerDriverFor(d, "password", { credentials: { username: "admin", password: "not-the-password" } });
    const error = (await driver.ping().catch((err: unknown) => err)) as DriverError;
    expect(error).toBeInstanceOf(DriverError);
    expect(error.transient).toBe(false);
    expect(error.message).toMatch(/HTTP 422 while logging in: Invalid credentials.*Portainer username and password/);
    expect(error.setting).toBe("portainer.credentials");
    expect(error.message).not.toContain("not-the-password");
    expect(d.logins()).toBe(1);
  });

  it("recognises Portainer's login ban and points to API keys", async () => {
    const d = await double();
    // Someone else behind the same address logged in too often (more than 10 times in a second).
    await Promise.all(
      Array.from({ length: 11 }, () => fetch(`${d.url}/api/auth`, { method: "POST", body: JSON.stringify({ Username: "admin", Password: "x" }) })),
    );
    const banned = await fetch(`${d.url}/api/auth`, { method: "POST", body: JSON.stringify({ Username: "admin", Password: d.admin.password }) });
    expect(banned.status).toBe(403);
    expect(await banned.json()).toEqual({ message: "Access denied", details: "Access denied to resource" });

    const error = (await portainerDriverFor(d, "password").ping().catch((err: unknown) => err)) as DriverError;
    expect(error.message).toMatch(/refuses logins from this address .* an hour .* API key, which needs no login/);
    expect(error.setting).toBe("portainer.credentials");
    expect(error.transient).toBe(false);
    // An API key needs no login, so the ban does not concern it.
    await portainerDriverFor(d, "api-key").ping();
  });
});

describe("Portainer's answers to the driver's requests", () => {
  for (const mode of ["sync", "async"] as const) {
    it(`adopts the stack after a 409 when a create's answer was lost, never duplicating it (${mode})`, async () => {
      const d = await double({ mode });
      const driver = portainerDriverFor(d);
      const tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
      track(d, tenant.stack.project);
      d.loseNextResponse("POST", /^\/api\/stacks\/create\/standalone\/string$/);

      await driver.deploy(tenant.stack);

      const creates = d.requests.filter((r) => r.path === "/api/stacks/create/standalone/string");
      expect(creates.map((r) => r.status)).toEqual([200, 409]); // the first answered, but never received
      expect(d.stacks().filter((s) => s.Name === tenant.stack.project).map((s) => s.Status)).toEqual([1]);
      const status = await driver.status(tenant.stack.project);
      expect(status.containers.map((c) => [c.service, c.state])).toEqual([["postgres", "running"], ["app", "running"]]);
      expect(status.containers[0]?.health).toBe("healthy");
    });
  }

  it("never adopts, stops or deletes a stack with our name that Tenantry did not make", async () => {
    const d = await double();
    const driver = portainerDriverFor(d);
    const tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
    const { project } = tenant.stack;
    // Someone created a stack of that name by hand in Portainer.
    const foreign = await fetch(`${d.url}/api/stacks/create/standalone/string?endpointId=1`, {
      method: "POST",
      headers: { "X-API-Key": d.admin.apiKey!, "Content-Type": "application/json" },
      body: JSON.stringify({ name: project.toUpperCase(), stackFileContent: 'services:\n  sleeper:\n    image: "tenantry/postgres:15-local"\n    command: ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 300 & wait"]\n' }),
    });
    expect(foreign.status).toBe(200);
    expect(((await foreign.json()) as { Name: string }).Name).toBe(project); // normalised
    track(d, project);

    const error = (await driver.deploy(tenant.stack).catch((err: unknown) => err)) as DriverError;
    expect(error.message).toMatch(new RegExp(`already has a stack named ${project} .* did not create it for this tenant`));
    expect(error.transient).toBe(false);
    await expect(driver.remove(project, { removeVolumes: true })).rejects.toThrow(/will not delete it/);
    await expect(driver.stop(project)).rejects.toThrow(/will not stop it/);
    expect(d.stacks().filter((s) => s.Name === project)).toHaveLength(1);
    // The hand-made stack goes the way it came.
    const id = d.stacks().find((s) => s.Name === project)!.Id;
    expect((await fetch(`${d.url}/api/stacks/${id}?endpointId=1`, { method: "DELETE", headers: { "X-API-Key": d.admin.apiKey! } })).status).toBe(204);
  });

  it("checks stack names against Portainer's normalisation before sending anything", async () => {
    const d = await double();
    const tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
    const before = d.requests.length;
    const error = await portainerDriverFor(d).deploy({ ...tenant.stack, project: "Client Acme!" }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toMatch(/would silently rewrite it/);
    expect(d.requests.length).toBe(before);
  });

  it("turns Portainer's error bodies into errors that quote them", async () => {
    const d = await double({ environments: [{ Id: 3, Name: "production" }] });
    const wrongId = (await portainerDriverFor(d, "api-key", { environment: { id: 7 } }).ping().catch((err: unknown) => err)) as DriverError;
    expect(wrongId.message).toMatch(/HTTP 404 while reading environment 7: Unable to find an environment with the specified identifier inside the database \(Object not found inside the database\)/);
    expect(wrongId.transient).toBe(false);
    const badKey = (await portainerDriverFor(d, "api-key", { credentials: { apiKey: "ptr_wrong" } }).ping().catch((err: unknown) => err)) as DriverError;
    expect(badKey.message).toMatch(/HTTP 401 .*Invalid JWT token .*its API key/);
    expect(badKey.setting).toBe("portainer.credentials");
    expect(badKey.message).not.toContain("ptr_wrong");
    // Environments are found by name too.
    await portainerDriverFor(d, "api-key", { environment: { name: "production" } }).ping();
    const noName = (await portainerDriverFor(d, "api-key", { environment: { name: "staging" } }).ping().catch((err: unknown) => err)) as Error;
    expect(noName.message).toMatch(/no environment\(s\) named "staging"/);
  });
});

describe("a job stopped while Portainer deploys synchronously (2.23 up to 2.39)", () => {
  it("ends the deploy only once Portainer has answered, so the cleanup finds the stack and leaves nothing", async () => {
    const d = await double({ mode: "sync" });
    const driver = portainerDriverFor(d);
    const tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
    const project = tenant.stack.project;
    track(d, project);
    // A slow deployment (image pulls, say): compose up starts 3 s after Portainer got the create.
    let composeStarted!: () => void;
    const started = new Promise<void>((resolve) => (composeStarted = resolve));
    d.beforeComposeUp(async (spec) => {
      if (spec.project !== project) return;
      composeStarted();
      await sleep(3_000);
    });

    const job = new AbortController();
    const deploy = driver.deploy(tenant.stack, { signal: job.signal }).then(() => "deployed", (err: unknown) => err);
    await started;
    job.abort(new Error("The job did not finish within 300 s and was stopped."));
    const outcome = await deploy;
    d.beforeComposeUp(undefined);

    // The deploy reports the abort, but only after Portainer answered the create: the stack is
    // recorded and its containers run, as Portainer left them.
    expect(outcome).toBe(job.signal.reason);
    const creates = d.requests.filter((r) => r.path === "/api/stacks/create/standalone/string");
    expect(creates.map((r) => r.status)).toEqual([200]);
    expect(d.stacks().filter((s) => s.Name === project).map((s) => s.Status)).toEqual([1]);

    // The job's cleanup then removes all of it, and nothing comes back.
    await driver.remove(project, { removeVolumes: true });
    await sleep(500);
    expect(d.stacks().filter((s) => s.Name === project)).toEqual([]);
    expect(await driver.status(project)).toEqual({ project, exists: false, containers: [] });
  });
});

describe("a Portainer that does not answer", () => {
  it("is tried again, then reported with a reason the admin can act on", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const driver = portainerDriverFor(await double(), "password", { url, attempts: 3, retryDelayMs: 100 });
    const started = Date.now();
    const error = (await driver.ping().catch((err: unknown) => err)) as Error;
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // 100 + 200 ms between the attempts
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toBe(
      `Portainer at ${url} did not answer while reading Portainer's version (ECONNREFUSED) after 3 attempts. ` +
        `Check that Portainer runs and that Tenantry's Portainer address is right; provisioning waits and retries.`,
    );
  });

  it("rides out a restart behind a reverse proxy (502s), and names it when it lasts", async () => {
    const d = await double();
    const driver = portainerDriverFor(d);
    d.failNextRequests(2, 502);
    await driver.ping();
    expect(d.requests.slice(0, 3).map((r) => r.status)).toEqual([502, 502, 200]);

    d.failNextRequests(3, 503);
    const error = (await driver.status(`client-${newTestSlug()}`).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).toMatch(/is unavailable \(HTTP 503 from the server in front of it\) .* after 3 attempts/);
  });

  it("comes back: calls made while it restarts succeed once it is up again", async () => {
    const d = await double();
    const driver = portainerDriverFor(d, "password", { attempts: 4, retryDelayMs: 200 });
    await driver.ping();
    await d.stop();
    setTimeout(() => void d.start(), 400);
    await driver.ping();
    expect(d.logins()).toBe(1);
  });
});

describe("configuration of the Portainer driver", () => {
  it("builds the driver's settings from the environment", () => {
    const base = { ORCHESTRATOR_DRIVER: "portainer", PORTAINER_URL: "https://portainer.example.com/p" };
    expect(loadConfig({ ...base, PORTAINER_API_KEY: "ptr_abc", PORTAINER_ENDPOINT_ID: "2" }).orchestrator.driver).toEqual({
      kind: "portainer",
      url: "https://portainer.example.com/p",
      credentials: { apiKey: "ptr_abc" },
      environment: { id: 2 },
    });
    expect(
      loadConfig({ ...base, PORTAINER_USERNAME: "tenantry", PORTAINER_PASSWORD: "pw", PORTAINER_ENDPOINT_NAME: "prod" }).orchestrator.driver,
    ).toMatchObject({ credentials: { username: "tenantry", password: "pw" }, environment: { name: "prod" } });
    expect(loadConfig({}).orchestrator.driver).toEqual({ kind: "docker", socketPath: "/var/run/docker.sock" });
  });

  it("names what is missing or contradictory, and never echoes a secret", () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("the configuration was accepted");
    };
    const missing = message({ ORCHESTRATOR_DRIVER: "portainer" });
    expect(missing).toMatch(/PORTAINER_URL: is required when ORCHESTRATOR_DRIVER=portainer/);
    expect(missing).toMatch(/PORTAINER_API_KEY: is required when ORCHESTRATOR_DRIVER=portainer .*PORTAINER_USERNAME and PORTAINER_PASSWORD/);
    expect(missing).toMatch(/PORTAINER_ENDPOINT_ID: is required when ORCHESTRATOR_DRIVER=portainer .*PORTAINER_ENDPOINT_NAME/);

    const both = message({
      ORCHESTRATOR_DRIVER: "portainer",
      PORTAINER_URL: "https://admin:hunter2@portainer.example.com",
      PORTAINER_API_KEY: "ptr_very_secret",
      PORTAINER_USERNAME: "admin",
      PORTAINER_PASSWORD: "hunter3",
      PORTAINER_ENDPOINT_ID: "two",
    });
    expect(both).toMatch(/PORTAINER_URL: must be a valid URL without a username or password/);
    expect(both).toMatch(/PORTAINER_API_KEY: set either PORTAINER_API_KEY or PORTAINER_USERNAME and PORTAINER_PASSWORD, not both/);
    expect(both).toMatch(/PORTAINER_ENDPOINT_ID: must be a whole number/);
    for (const secret of ["hunter2", "hunter3", "ptr_very_secret"]) expect(both).not.toContain(secret);
    expect(message({ ORCHESTRATOR_DRIVER: "kubernetes" })).toMatch(/ORCHESTRATOR_DRIVER: must be docker or portainer/);
  });
});
