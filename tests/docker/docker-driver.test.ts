// The Docker driver against the real engine (scripts/docker/ensure-engine.sh): the demo tenant
// stack deployed, found again, used through exec, suspended, resumed and removed; then the
// failures the job engine must be able to tell apart. Every stack has a fresh slug and is removed
// with its volumes in afterAll, whatever happened.
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { DriverError, EngineUnavailableError, ImageMissingError, TemplateError } from "../../orchestrator/errors.ts";
import { LABELS } from "../../orchestrator/stack-spec.ts";
import {
  demoStack,
  dependencyStack,
  freeLocalPort,
  initialUserCommand,
  initialUserStdin,
  newTestSlug,
  postLogin,
  projectOf,
  waitForHttpStatus,
  type DemoStack,
} from "../support/docker-stack.ts";

const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? "/var/run/docker.sock" });
const driver = createDockerDriver({ docker, pullTimeoutMs: 15_000, healthTimeoutMs: 90_000, pollIntervalMs: 250 });
const deployed = new Set<string>();

afterAll(async () => {
  const failures: string[] = [];
  for (const project of deployed) {
    await driver.remove(project, { removeVolumes: true }).catch((err: Error) => failures.push(`${project}: ${err.message}`));
  }
  if (failures.length) throw new Error(`cleanup failed:\n${failures.join("\n")}`);
});

/** Everything of the project still on the engine, found by label and by the names the stack uses. */
async function leftovers(project: string, names: { containers: string[]; networks: string[]; volumes: string[] }): Promise<string[]> {
  const filters = { label: [`${LABELS.composeProject}=${project}`] };
  const found = [
    ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
    ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
    ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
  ];
  const exists = (inspect: () => Promise<unknown>) =>
    inspect().then(
      () => true,
      (err: { statusCode?: number }) => {
        if (err.statusCode === 404) return false;
        throw err;
      },
    );
  for (const name of names.containers) if (await exists(() => docker.getContainer(name).inspect())) found.push(`container named ${name}`);
  for (const name of names.networks) if (await exists(() => docker.getNetwork(name).inspect())) found.push(`network named ${name}`);
  for (const name of names.volumes) if (await exists(() => docker.getVolume(name).inspect())) found.push(`volume named ${name}`);
  return found;
}

function demoNames(stack: DemoStack) {
  return { containers: [stack.postgres.container, stack.appContainer], networks: [stack.network], volumes: [stack.volume] };
}

async function containerIds(project: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.composeProject}=${project}`] } });
  return list.map((c) => c.Id).sort();
}

describe("Docker driver: the demo stack on the real engine", () => {
  let stack: DemoStack;
  const username = "ana o'brien <b>&\\x";
  const password = randomBytes(12).toString("hex");

  beforeAll(async () => {
    await driver.ping();
    stack = demoStack({ slug: newTestSlug(), appPort: await freeLocalPort() });
    deployed.add(stack.spec.project);
  });

  it("deploy starts postgres (healthy) then the app, which answers /health on 127.0.0.1", async () => {
    await driver.deploy(stack.spec);

    const status = await driver.status(stack.spec.project);
    expect(status.exists).toBe(true);
    const byService = Object.fromEntries(status.containers.map((c) => [c.service, c]));
    expect(byService.postgres).toMatchObject({ containerName: stack.postgres.container, state: "running", health: "healthy" });
    expect(byService.app).toMatchObject({ containerName: stack.appContainer, state: "running" });
    await waitForHttpStatus(`${stack.appUrl}/health`, 200);

    // The spec reached the engine as written: healthcheck in ns, limits, restart, aliases, mounts, ports.
    const pg = await docker.getContainer(stack.postgres.container).inspect();
    expect(pg.Config.Healthcheck).toMatchObject({ Interval: 1_000_000_000, Timeout: 5_000_000_000, Retries: 30, StartPeriod: 10_000_000_000 });
    expect(pg.HostConfig).toMatchObject({ Memory: 512 * 1024 * 1024, NanoCpus: 1_000_000_000, RestartPolicy: { Name: "unless-stopped" } });
    expect(pg.NetworkSettings.Networks[stack.network]?.Aliases).toEqual(expect.arrayContaining(["postgres", stack.postgres.container]));
    expect(pg.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: stack.volume, Destination: "/var/lib/postgresql/data" })]);
    expect(pg.Config.Labels).toMatchObject({ [LABELS.composeProject]: stack.spec.project, [LABELS.composeService]: "postgres", [LABELS.managed]: "true" });
    const app = await docker.getContainer(stack.appContainer).inspect();
    expect(app.HostConfig.PortBindings).toEqual({ "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: String(stack.appPort) }] });
    const network = await docker.getNetwork(stack.network).inspect();
    expect(network).toMatchObject({ Driver: "bridge", Attachable: false });
    expect(network.Labels?.[LABELS.composeProject]).toBe(stack.spec.project);
    expect((await docker.getVolume(stack.volume).inspect()).Labels?.[LABELS.composeProject]).toBe(stack.spec.project);
  });

  it("deploy again creates nothing: same containers, one network, one volume", async () => {
    const before = await containerIds(stack.spec.project);
    expect(before).toHaveLength(2);
    await driver.deploy(stack.spec);
    expect(await containerIds(stack.spec.project)).toEqual(before);
    expect(await docker.listNetworks({ filters: { name: [stack.network] } })).toHaveLength(1);
    expect((await docker.listVolumes({ filters: { name: [stack.volume] } })).Volumes).toHaveLength(1);
  });

  it("status reports the published port, logs are readable text, publishedPorts sees the port", async () => {
    const status = await driver.status(stack.spec.project);
    const app = status.containers.find((c) => c.service === "app");
    expect(app?.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: stack.appPort, containerPort: 8080 }]);
    expect(status.containers.find((c) => c.service === "postgres")?.ports).toEqual([]);

    expect(await driver.logs(stack.spec.project, "app")).toContain("demo app listening on port 8080");
    expect(await driver.logs(stack.spec.project, "postgres", { tail: 200 })).toContain("database system is ready to accept connections");
    const tail = (await driver.logs(stack.spec.project, "postgres", { tail: 3 })).trimEnd().split("\n");
    expect(tail.length).toBeLessThanOrEqual(3);
    expect(tail.join("\n")).not.toMatch(/[\x00-\x02]\x00\x00\x00/); // no frame headers left

    expect((await driver.publishedPorts()).has(stack.appPort)).toBe(true);
    await expect(driver.logs(stack.spec.project, "nope")).rejects.toThrow(/no container for service "nope"/);
  });

  it("exec passes the initial user on stdin only; the app then accepts the login", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const hash = bcrypt.hashSync(password, 10);
    const result = await driver.exec(stack.spec.project, "postgres", {
      command: initialUserCommand(stack),
      stdin: initialUserStdin(username, hash),
      user: "postgres",
    });
    expect(result).toEqual({ exitCode: 0, stdout: "", stderr: "" });

    const ok = await postLogin(stack.appUrl, username, password);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("Welcome ana o&#39;brien &lt;b&gt;&amp;\\x");
    expect((await postLogin(stack.appUrl, username, "wrong-password")).status).toBe(401);

    // Without stdin, output and exit codes come back separated.
    const count = await driver.exec(stack.spec.project, "postgres", {
      command: ["psql", "-X", "-A", "-t", "-U", stack.postgres.user, "-d", stack.postgres.db, "-c", "SELECT count(*) FROM users"],
      user: "postgres",
    });
    expect(count).toEqual({ exitCode: 0, stdout: "1\n", stderr: "" });
    const failed = await driver.exec(stack.spec.project, "postgres", {
      command: ["psql", "-X", "-U", stack.postgres.user, "-d", stack.postgres.db, "-c", "SELECT nope"],
      user: "postgres",
      env: { PGAPPNAME: "tenantry-test" },
    });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain('column "nope" does not exist');

    // What the engine itself recorded of the psql exec: its argv, never the values.
    const events = docker.getEvents({
      since,
      until: Math.floor(Date.now() / 1000) + 1,
      filters: { container: [stack.postgres.container], event: ["exec_create"] },
    });
    let raw = "";
    for await (const chunk of await events) raw += chunk.toString();
    const created = raw
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { Action: string; Actor: { Attributes: { execID: string } } });
    const psqlStdin = created.filter((e) => e.Action.startsWith("exec_create: psql -X -q"));
    expect(psqlStdin).toHaveLength(1);
    const recorded = JSON.stringify([created, await docker.getExec(psqlStdin[0]!.Actor.Attributes.execID).inspect()]);
    expect(recorded).toContain('"entrypoint":"psql"');
    for (const value of [password, hash, username, "o''brien"]) expect(recorded).not.toContain(value);
  });

  it("stop exits every container; start brings the app back with its data", async () => {
    await driver.stop(stack.spec.project);
    let status = await driver.status(stack.spec.project);
    expect(status.containers.map((c) => c.state)).toEqual(["exited", "exited"]);
    await expect(fetch(`${stack.appUrl}/health`)).rejects.toThrow();
    await driver.stop(stack.spec.project); // already stopped: nothing to do

    await driver.start(stack.spec.project);
    status = await driver.status(stack.spec.project);
    expect(status.containers.map((c) => [c.service, c.state])).toEqual([["postgres", "running"], ["app", "running"]]);
    // start waited for postgres to be healthy before starting the app.
    expect(status.containers[0]?.health).toBe("healthy");
    await waitForHttpStatus(`${stack.appUrl}/health`, 200);
    expect((await postLogin(stack.appUrl, username, password)).status).toBe(200);
    await driver.start(stack.spec.project); // already running: nothing to do
  });

  it("remove with volumes leaves nothing of the project, and can run again", async () => {
    await driver.remove(stack.spec.project, { removeVolumes: true });
    expect(await driver.status(stack.spec.project)).toEqual({ project: stack.spec.project, exists: false, containers: [] });
    expect(await leftovers(stack.spec.project, demoNames(stack))).toEqual([]);
    await driver.remove(stack.spec.project, { removeVolumes: true });
    await expect(driver.start(stack.spec.project)).rejects.toThrow(/no container to start; deploy the stack again/);
  });
});

// A dependency whose health stays "starting" for a minute (its first check comes after 60 s).
const STUCK_STARTING = {
  command: ["sleep", "300"],
  environment: {},
  healthcheck: { test: ["CMD", "true"], intervalMs: 60_000, timeoutMs: 2_000, retries: 1, startPeriodMs: 0 },
  restart: "no" as const,
};

describe("Docker driver: failures the job engine must tell apart", () => {
  it("a missing image is ImageMissingError (permanent) and nothing is created", async () => {
    const stack = demoStack({ slug: newTestSlug(), appPort: await freeLocalPort(), appImage: "tenantry/does-not-exist:never" });
    deployed.add(stack.spec.project);
    const error = await driver.deploy(stack.spec).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ImageMissingError);
    expect(error).toMatchObject({ image: "tenantry/does-not-exist:never", transient: false });
    expect(await leftovers(stack.spec.project, demoNames(stack))).toEqual([]);
    await driver.remove(stack.spec.project, { removeVolumes: true });
    expect(await leftovers(stack.spec.project, demoNames(stack))).toEqual([]);
  });

  it("a service_healthy dependency turning unhealthy fails the deploy at once, with its logs", async () => {
    const slug = newTestSlug();
    const spec = dependencyStack({
      slug,
      condition: "service_healthy",
      dependency: {
        command: ["sh", "-c", "echo dependency is up; exec sleep 300"],
        environment: {},
        healthcheck: { test: ["CMD", "false"], intervalMs: 1_000, timeoutMs: 2_000, retries: 1, startPeriodMs: 0 },
        restart: "no",
      },
    });
    deployed.add(spec.project);
    const started = Date.now();
    const error = await driver.deploy(spec).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ transient: false });
    expect((error as Error).message).toMatch(/dependency "dependency" \(\w+-dependency\) became unhealthy/);
    expect((error as Error).message).toContain("| dependency is up");
    // The dependent was created but never started.
    const status = await driver.status(spec.project);
    expect(status.containers.find((c) => c.service === "dependent")?.state).toBe("created");
  });

  it("a dependency that exits non-zero fails the deploy; secrets in its logs are redacted", async () => {
    const slug = newTestSlug();
    const secret = randomBytes(16).toString("hex");
    const spec = dependencyStack({
      slug,
      condition: "service_completed_successfully",
      dependency: {
        command: ["sh", "-c", 'echo "connecting with $DB_PASSWORD"; exit 3'],
        environment: { DB_PASSWORD: secret },
        restart: "no",
      },
    });
    deployed.add(spec.project);
    const error = (await driver.deploy(spec).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(DriverError);
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("connecting with ***");
    expect(error.message).not.toContain(secret);
  });

  it("a dependency slow to become healthy times out as a transient DriverError", async () => {
    const spec = dependencyStack({
      slug: newTestSlug(),
      condition: "service_healthy",
      // Longer than this driver waits.
      dependency: STUCK_STARTING,
    });
    deployed.add(spec.project);
    const impatient = createDockerDriver({ docker, healthTimeoutMs: 1_500, pollIntervalMs: 250 });
    const error = (await impatient.deploy(spec).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ transient: true });
    expect(error.message).toMatch(/was not healthy \(now running\/starting\) within 2s/);
  });

  it("a malformed spec is a TemplateError before anything is created", async () => {
    const spec = dependencyStack({
      slug: newTestSlug(),
      condition: "service_healthy",
      dependency: { command: ["sleep", "300"], environment: {}, restart: "no" },
    });
    deployed.add(spec.project);
    await expect(driver.deploy(spec)).rejects.toThrow(TemplateError);
    await expect(driver.deploy(spec)).rejects.toThrow(/"dependency" has no healthcheck/);
    expect((await driver.status(spec.project)).exists).toBe(false);
  });

  it("an abort stops the deploy: before it begins, or while it waits", async () => {
    const stack = demoStack({ slug: newTestSlug(), appPort: await freeLocalPort() });
    deployed.add(stack.spec.project);
    await expect(driver.deploy(stack.spec, { signal: AbortSignal.abort() })).rejects.toThrow(/aborted/i);
    expect(await leftovers(stack.spec.project, demoNames(stack))).toEqual([]);

    const spec = dependencyStack({
      slug: newTestSlug(),
      condition: "service_healthy",
      // Only the abort can end the wait early.
      dependency: STUCK_STARTING,
    });
    deployed.add(spec.project);
    const started = Date.now();
    await expect(driver.deploy(spec, { signal: AbortSignal.timeout(1_500) })).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("an unreachable engine is EngineUnavailableError (transient)", async () => {
    const nowhere = new Docker({ socketPath: `/tmp/tenantry-no-engine-${randomBytes(4).toString("hex")}.sock` });
    const offline = createDockerDriver({ docker: nowhere });
    const pinged = await offline.ping().catch((err: unknown) => err);
    expect(pinged).toBeInstanceOf(EngineUnavailableError);
    expect(pinged).toMatchObject({ transient: true });
    const stack = demoStack({ slug: newTestSlug(), appPort: await freeLocalPort() });
    const error = (await offline.deploy(stack.spec).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error.message).not.toContain(stack.postgres.password);
    await expect(offline.status(projectOf(stack.slug))).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});
