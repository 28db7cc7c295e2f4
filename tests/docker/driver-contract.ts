// The StackDriver contract, run against every driver on the real Docker engine: the demo tenant's
// stack (rendered by the real template code) deployed, found again, given its initial user on
// stdin, suspended, resumed, removed; and the failures the job engine must tell apart. Where
// Portainer's semantics differ from the Docker engine's (its stop removes the containers), the
// contract states what both guarantee: nothing runs after stop, the data survives it.
import { Readable } from "node:stream";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackDriver } from "../../orchestrator/driver.ts";
import { EngineUnavailableError, ImageMissingError } from "../../orchestrator/errors.ts";
import { LABELS } from "../../orchestrator/stack-spec.ts";
import { initialUserStdin } from "../../orchestrator/templates/initial-user.ts";
import { freeLocalPort, newTestSlug, postLogin, waitForHttpStatus } from "../support/docker-stack.ts";
import { renderDemoTenant, type DemoTenant, type PortainerDouble } from "../support/portainer-lab.ts";
import { docker, LOCAL_IMAGES } from "../support/tenant-engine.ts";

export interface ContractSubject {
  driver: StackDriver;
  /** A driver of the same kind whose engine (or Portainer) does not answer. */
  unreachable: StackDriver;
  /** When the driver goes through Portainer: the double, whose stack list is checked too. */
  double?: PortainerDouble;
  teardown(): Promise<void>;
}

async function text(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString("utf8");
  return out;
}

/** Everything of the project on the engine, by label: containers, networks, volumes. */
async function leftovers(project: string): Promise<string[]> {
  const filters = { label: [`${LABELS.composeProject}=${project}`] };
  return [
    ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
    ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
    ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
  ];
}

async function containerIds(project: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.composeProject}=${project}`] } });
  return list.map((c) => c.Id).sort();
}

export function driverContract(name: string, makeSubject: () => Promise<ContractSubject>): void {
  describe(`StackDriver contract: ${name}`, () => {
    let subject: ContractSubject;
    let driver: StackDriver;
    let tenant: DemoTenant;
    const deployed = new Set<string>();
    const password = `pw-${Math.random().toString(36).slice(2)}`;

    /** The Portainer stacks of that name (none for the Docker driver, which has no such list). */
    const portainerStacks = (project: string) => subject.double?.stacks().filter((s) => s.Name === project) ?? [];

    beforeAll(async () => {
      subject = await makeSubject();
      driver = subject.driver;
      tenant = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort() });
      deployed.add(tenant.stack.project);
    });
    afterAll(async () => {
      const failures: string[] = [];
      for (const project of deployed) {
        await driver.remove(project, { removeVolumes: true }).catch((err: Error) => failures.push(`${project}: ${err.message}`));
      }
      await subject?.teardown();
      if (failures.length) throw new Error(`cleanup failed:\n${failures.join("\n")}`);
    });

    it("answers ping", async () => {
      await driver.ping();
    });

    it("deploys the database (healthy) then the app, published on 127.0.0.1 only", async () => {
      const { project } = tenant.stack;
      await driver.deploy(tenant.stack);
      const status = await driver.status(project);
      expect(status.exists).toBe(true);
      const byService = Object.fromEntries(status.containers.map((c) => [c.service, c]));
      expect(byService.postgres).toMatchObject({ containerName: `${tenant.slug}-postgres`, state: "running", health: "healthy", ports: [] });
      expect(byService.app).toMatchObject({ containerName: `${tenant.slug}-app`, state: "running" });
      expect(byService.app?.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: tenant.appPort, containerPort: 8080 }]);
      await waitForHttpStatus(`${tenant.appUrl}/health`, 200);
      // Every container carries the ownership labels the reconciler finds tenants by.
      const app = await docker.getContainer(`${tenant.slug}-app`).inspect();
      expect(app.Config.Labels).toMatchObject({ [LABELS.composeProject]: project, [LABELS.tenantId]: tenant.tenantId, [LABELS.managed]: "true" });
      if (subject.double) expect(portainerStacks(project).map((s) => s.Status)).toEqual([1]);
    });

    it("deploys again without creating anything", async () => {
      const before = await containerIds(tenant.stack.project);
      expect(before).toHaveLength(2);
      await driver.deploy(tenant.stack);
      expect(await containerIds(tenant.stack.project)).toEqual(before);
      if (subject.double) expect(portainerStacks(tenant.stack.project)).toHaveLength(1);
    });

    it("updates every container's memory and CPU limits in place (a plan change); a project without containers counts none", async () => {
      const { project } = tenant.stack;
      const inspectAll = async () =>
        Promise.all(tenant.stack.services.map(async (s) => (await docker.getContainer(s.containerName).inspect())));
      const before = await inspectAll();
      const resources = { memoryBytes: 320 * 1024 * 1024, nanoCpus: 750_000_000 };
      expect(await driver.updateResources(project, resources)).toBe(2);
      const after = await inspectAll();
      expect(after.map((c) => [c.HostConfig.Memory, c.HostConfig.NanoCpus, c.State.Running])).toEqual([
        [resources.memoryBytes, resources.nanoCpus, true],
        [resources.memoryBytes, resources.nanoCpus, true],
      ]);
      // The same containers, not restarted.
      expect(after.map((c) => [c.Id, c.State.StartedAt])).toEqual(before.map((c) => [c.Id, c.State.StartedAt]));
      // Again with the same limits: nothing changes, no error (a retried step).
      expect(await driver.updateResources(project, resources)).toBe(2);
      expect(await driver.updateResources(`client-${newTestSlug()}`, resources)).toBe(0);
    });

    it("lists the stack in its inventory (containers with state, network, volume) and sizes its volume", async () => {
      const { project } = tenant.stack;
      const ours = (await driver.inventory()).resources.filter((r) => r.project === project);
      expect(ours.map((r) => [r.kind, r.name, r.tenantId, r.service, r.state])).toEqual([
        ["container", `${tenant.slug}-app`, tenant.tenantId, "app", "running"],
        ["container", `${tenant.slug}-postgres`, tenant.tenantId, "postgres", "running"],
        ["network", `${tenant.slug}-network`, tenant.tenantId, null, null],
        ["volume", `${tenant.slug}-postgres-data`, tenant.tenantId, null, null],
      ]);
      // A container with the project's label but not our ownership label is not in the inventory.
      const unowned = await docker.createContainer({
        Image: LOCAL_IMAGES.TENANT_APP_IMAGE,
        name: `${tenant.slug}-unowned`,
        Cmd: ["true"],
        Labels: { [LABELS.composeProject]: project, [LABELS.composeService]: "extra" },
      });
      try {
        const names = (await driver.inventory()).resources.map((r) => r.name);
        expect(names).toContain(`${tenant.slug}-app`);
        expect(names).not.toContain(`${tenant.slug}-unowned`);
      } finally {
        await unowned.remove({ force: true });
      }
      // The database's files are in the volume: the engine measures more than nothing.
      const bytes = await driver.diskUsage?.(project);
      expect(bytes).toBeGreaterThan(1_000_000);
      expect(await driver.diskUsage?.(`client-nothing-${tenant.slug}`)).toBe(0);
    });

    it("reads logs as text, reports the published port, refuses an unknown service", async () => {
      expect(await driver.logs(tenant.stack.project, "app")).toContain("demo app listening on port 8080");
      const tail = (await driver.logs(tenant.stack.project, "postgres", { tail: 3 })).trimEnd().split("\n");
      expect(tail.length).toBeLessThanOrEqual(3);
      expect(tail.join("\n")).not.toMatch(/[\x00-\x02]\x00\x00\x00/); // no frame headers left
      expect((await driver.publishedPorts()).has(tenant.appPort)).toBe(true);
      await expect(driver.logs(tenant.stack.project, "nope")).rejects.toThrow(/no container for service "nope"/);
    });

    it("passes the initial user on stdin only; the app then accepts the login", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const hash = bcrypt.hashSync(password, 4);
      const plan = tenant.initialUser;
      const result = await driver.exec(tenant.stack.project, plan.service, {
        command: plan.command,
        stdin: initialUserStdin(plan, { username: tenant.slug, password_hash: hash }),
        ...(plan.user ? { user: plan.user } : {}),
      });
      expect(result).toEqual({ exitCode: 0, stdout: "", stderr: "" });
      await waitForHttpStatus(`${tenant.appUrl}/health`, 200);
      expect((await postLogin(tenant.appUrl, tenant.slug, password)).status).toBe(200);
      expect((await postLogin(tenant.appUrl, tenant.slug, "wrong-password")).status).toBe(401);

      // Output and exit codes come back separated.
      const count = await driver.exec(tenant.stack.project, "postgres", {
        command: ["psql", "-X", "-A", "-t", "-U", "app", "-d", "app", "-c", "SELECT count(*) FROM users"],
        user: "postgres",
      });
      expect(count).toEqual({ exitCode: 0, stdout: "1\n", stderr: "" });
      const failed = await driver.exec(tenant.stack.project, "postgres", {
        command: ["psql", "-X", "-U", "app", "-d", "app", "-c", "SELECT nope"],
        user: "postgres",
        env: { PGAPPNAME: "tenantry-test" },
      });
      expect(failed.exitCode).not.toBe(0);
      expect(failed.stderr).toContain('column "nope" does not exist');

      // What the engine recorded of every exec: argument lists without the hash or the password.
      const events = docker.getEvents({
        since,
        until: Math.floor(Date.now() / 1000) + 1,
        filters: { container: [`${tenant.slug}-postgres`], event: ["exec_create"] },
      });
      let raw = "";
      for await (const chunk of await events) raw += chunk.toString();
      expect(raw).toContain("exec_create");
      for (const value of [password, hash]) expect(raw).not.toContain(value);
    });

    it("streams a command's input and output of any size (a restore's dump in, a dump out); stderr and the exit code after", async () => {
      const project = tenant.stack.project;
      const rows = 120_000;
      // About 20 MB: through Portainer, three parts of the input handed over as files.
      async function* sql() {
        yield "CREATE TABLE stream_check (id integer PRIMARY KEY, body text);\nCOPY stream_check (id, body) FROM stdin;\n";
        for (let at = 1; at <= rows; at += 1000) {
          let chunk = "";
          for (let id = at; id < at + 1000 && id <= rows; id++) chunk += `${id}\trow ${id} ${"x".repeat(140)}\n`;
          yield chunk;
        }
        yield "\\.\n";
      }
      const load = await driver.execStream(project, "postgres", {
        command: ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "app"],
        user: "postgres",
        stdin: Readable.from(sql()),
      });
      const loadOutput = await text(load.stdout);
      expect(await load.done).toEqual({ exitCode: 0, stderr: "" });
      expect(loadOutput).toBe("");

      const dump = await driver.execStream(project, "postgres", {
        command: ["pg_dump", "--no-owner", "-U", "app", "-d", "app", "-t", "stream_check"],
        user: "postgres",
      });
      let bytes = 0;
      let tail = "";
      for await (const chunk of dump.stdout) {
        bytes += (chunk as Buffer).length;
        tail = (tail + (chunk as Buffer).toString("latin1")).slice(-4096);
      }
      expect(await dump.done).toEqual({ exitCode: 0, stderr: "" });
      expect(bytes).toBeGreaterThan(rows * 140);
      expect(tail).toContain(`${rows}\trow ${rows} `);

      const failed = await driver.execStream(project, "postgres", { command: ["psql", "-X", "-U", "app", "-d", "app", "-c", "SELECT nope"], user: "postgres" });
      await text(failed.stdout);
      const outcome = await failed.done;
      expect(outcome.exitCode).not.toBe(0);
      expect(outcome.stderr).toContain('column "nope" does not exist');

      // Nothing of the input is left in the container (Portainer's hand-over files are gone).
      const leftover = await driver.exec(project, "postgres", { command: ["sh", "-c", "ls -a /tmp"], user: "postgres" });
      expect(leftover.stdout).not.toContain(".tenantry-stdin");
      await driver.exec(project, "postgres", { command: ["psql", "-X", "-U", "app", "-d", "app", "-c", "DROP TABLE stream_check"], user: "postgres" });
    });

    it("stop leaves nothing running and keeps the data; start brings the app back", async () => {
      const { project } = tenant.stack;
      await driver.stop(project);
      let status = await driver.status(project);
      // The Docker driver keeps exited containers; Portainer's stop is compose down (none left).
      expect(status.containers.filter((c) => c.state === "running")).toEqual([]);
      expect(status.exists).toBe(true);
      await expect(fetch(`${tenant.appUrl}/health`)).rejects.toThrow();
      await driver.stop(project); // already stopped: nothing to do
      if (subject.double) expect(portainerStacks(project).map((s) => s.Status)).toEqual([2]);

      await driver.start(project);
      status = await driver.status(project);
      const byService = Object.fromEntries(status.containers.map((c) => [c.service, c]));
      // start waited for postgres to be healthy before starting the app.
      expect(byService.postgres).toMatchObject({ state: "running", health: "healthy" });
      expect(byService.app).toMatchObject({ state: "running" });
      await waitForHttpStatus(`${tenant.appUrl}/health`, 200);
      expect((await postLogin(tenant.appUrl, tenant.slug, password)).status).toBe(200);
      await driver.start(project); // already running: nothing to do
      if (subject.double) expect(portainerStacks(project).map((s) => s.Status)).toEqual([1]);
    });

    it("deploy after stop resumes the stack, as a resume job does", async () => {
      await driver.stop(tenant.stack.project);
      await driver.deploy(tenant.stack);
      await waitForHttpStatus(`${tenant.appUrl}/health`, 200);
      expect((await postLogin(tenant.appUrl, tenant.slug, password)).status).toBe(200);
    });

    it("remove keeps the volume unless asked; with volumes it leaves nothing, and can run again", async () => {
      const { project } = tenant.stack;
      await driver.remove(project, { removeVolumes: false });
      expect(await leftovers(project)).toEqual([`volume ${tenant.slug}-postgres-data`]);
      expect(portainerStacks(project)).toEqual([]);

      await driver.remove(project, { removeVolumes: true });
      expect(await driver.status(project)).toEqual({ project, exists: false, containers: [] });
      expect(await leftovers(project)).toEqual([]);
      await driver.remove(project, { removeVolumes: true });
      await expect(driver.start(project)).rejects.toThrow(/deploy the stack again/);
    });

    it("a missing image is ImageMissingError (permanent); remove then leaves nothing", async () => {
      const broken = await renderDemoTenant({ slug: newTestSlug(), appPort: await freeLocalPort(), appImage: "tenantry/does-not-exist:never" });
      const { project } = broken.stack;
      deployed.add(project);
      const error = await driver.deploy(broken.stack).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ImageMissingError);
      expect(error).toMatchObject({ image: "tenantry/does-not-exist:never", transient: false });
      expect((error as Error).message).not.toContain(broken.secrets.POSTGRES_PASSWORD);
      await driver.remove(project, { removeVolumes: true });
      expect(await leftovers(project)).toEqual([]);
      expect(portainerStacks(project)).toEqual([]);
    });

    it("an engine that does not answer is EngineUnavailableError (transient)", async () => {
      const pinged = await subject.unreachable.ping().catch((err: unknown) => err);
      expect(pinged).toBeInstanceOf(EngineUnavailableError);
      expect(pinged).toMatchObject({ transient: true });
      const error = (await subject.unreachable.deploy(tenant.stack).catch((err: unknown) => err)) as Error;
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(error.message).not.toContain(tenant.secrets.POSTGRES_PASSWORD);
    });
  });
}
