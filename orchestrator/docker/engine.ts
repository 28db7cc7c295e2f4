// The Engine API over the Docker socket (dockerode): the Docker driver's implementation of
// EngineApi (../engine-api/engine.ts), every call translated by errors.ts. Exec gets a hijacked
// connection, so a process's standard input is written to it directly, then closed.
import type { Duplex } from "node:stream";
import type Dockerode from "dockerode";
import { DriverError } from "../errors.ts";
import type { EngineApi, ExecRun } from "../engine-api/engine.ts";
import { volumeSizesOf } from "../engine-api/disk.ts";
import { execTimedOut } from "../engine-api/exec.ts";
import { containerUpdateBody } from "../engine-api/resources.ts";
import { labelFilter } from "../engine-api/labels.ts";
import type { DiskUsage, StatsSample } from "../engine-api/wire.ts";
import { dockerCall, dockerCallIdempotent, dockerCallOrNull } from "./errors.ts";

export function dockerEngineApi(docker: Dockerode): EngineApi {
  return {
    async ping() {
      await dockerCall("pinging the engine", () => docker.ping());
    },

    listContainers(query) {
      const label = labelFilter(query);
      return dockerCall(query.project ? `listing containers of ${query.project}` : "listing containers", () =>
        docker.listContainers({ all: true, ...(label.length ? { filters: { label } } : {}) }),
      );
    },

    inspectContainer: (id, name) => dockerCallOrNull(`inspecting container ${name}`, () => docker.getContainer(id).inspect()),

    async listNetworks(project) {
      const networks = await dockerCall(`listing networks of ${project}`, () =>
        docker.listNetworks({ filters: { label: labelFilter({ project }) } }),
      );
      return networks.map((n) => ({ id: n.Id, name: n.Name }));
    },

    async listVolumes(project) {
      const answer = await dockerCall(`listing volumes of ${project}`, () => docker.listVolumes({ filters: { label: labelFilter({ project }) } }));
      return (answer.Volumes ?? []).map((v) => v.Name);
    },

    async listManagedNetworks() {
      const networks = await dockerCall("listing Tenantry's networks", () => docker.listNetworks({ filters: { label: labelFilter({ managed: true }) } }));
      return networks.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
    },

    async listManagedVolumes() {
      const answer = await dockerCall("listing Tenantry's volumes", () => docker.listVolumes({ filters: { label: labelFilter({ managed: true }) } }));
      return (answer.Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {} }));
    },

    async volumeSizes() {
      const report = (await dockerCall("reading the engine's disk usage", () => docker.df())) as DiskUsage;
      return volumeSizesOf(report);
    },

    async containerLogs(id, name, tail) {
      const output = await dockerCall(`reading logs of container ${name}`, () =>
        docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false }),
      );
      return Buffer.isBuffer(output) ? output : Buffer.from(String(output));
    },

    containerStats: (id, name) =>
      dockerCallOrNull(`reading the stats of ${name}`, () => docker.getContainer(id).stats({ stream: false })) as Promise<StatsSample | null>,

    async createExec(containerId, containerName, spec) {
      const exec = await dockerCall(`running ${spec.command[0] ?? ""} in container ${containerName}`, () =>
        docker.getContainer(containerId).exec({
          Cmd: spec.command,
          AttachStdin: spec.stdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          ...(spec.user ? { User: spec.user } : {}),
          ...(spec.env ? { Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) } : {}),
        }),
      );
      return exec.id;
    },

    async startExec(execId, run) {
      const stream = await dockerCall(`running ${run.label}`, () => docker.getExec(execId).start({ hijack: true, stdin: run.stdin !== undefined }));
      return readToEnd(stream, run);
    },

    async startExecStream(execId, run) {
      const stream = await dockerCall(`running ${run.label}`, () => docker.getExec(execId).start({ hijack: true, stdin: run.stdin !== undefined }));
      // Our side closes when the input ends (the process then sees its end); no input: closed now.
      if (run.stdin) run.stdin.pipe(stream);
      else stream.end();
      return stream;
    },

    inspectExec: (execId, label) => dockerCall(`inspecting the exec of ${label}`, () => docker.getExec(execId).inspect()),

    async updateContainerResources(id, name, resources) {
      await dockerCall(`updating the limits of container ${name}`, () => docker.getContainer(id).update(containerUpdateBody(resources)));
    },

    removeContainer: (id, name) =>
      // Anonymous volumes go with the container; named ones (the data) are removed separately, if asked.
      dockerCallIdempotent(`removing container ${name}`, () => docker.getContainer(id).remove({ force: true, v: true }), [404]),
    removeNetwork: (id, name) => dockerCallIdempotent(`removing network ${name}`, () => docker.getNetwork(id).remove(), [404]),
    removeVolume: (name) => dockerCallIdempotent(`removing volume ${name}`, () => docker.getVolume(name).remove(), [404]),
  };
}

/**
 * Writes the input (if any) and closes our side, which tells the process its input is over (psql
 * then runs and exits); collects the raw output until the engine closes the connection.
 */
function readToEnd(stream: Duplex, run: ExecRun): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(execTimedOut(run));
    }, run.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    };
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(new DriverError(`The connection to ${run.label} failed; retry the step.`, { transient: true, cause: err }));
    });
    if (run.stdin !== undefined) stream.write(run.stdin);
    stream.end();
  });
}
