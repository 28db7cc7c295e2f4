// Running a command in a container through Portainer's Docker proxy (reference §7): exec create,
// exec start (the output comes back multiplexed until the process exits), exec inspect.
//
// Standard input cannot travel the way the Docker driver sends it. Portainer's proxy for a local
// environment forwards one request body and streams one response back (dockerLocalProxy in
// api/http/proxy/factory/docker.go); the hijacked connection the Engine API needs to feed a
// process's stdin does not get through. So stdin is handed over as a file: uploaded with
// PUT /containers/{id}/archive into /tmp under a random name, mode 0400 and owned by the user the
// command runs as; a `sh` wrapper opens it, unlinks it, and runs the command with it as stdin.
// The value never appears in an argument list or environment (which the engine records and
// shows); it sits on the container's filesystem, readable by that user only, for the moment
// between the upload and the unlink.
import { randomBytes } from "node:crypto";
import type { ExecOptions, ExecResult } from "../driver.ts";
import { DriverError } from "../errors.ts";
import type { Clock } from "../clock.ts";
import type { DockerProxy } from "./docker-proxy.ts";
import { PortainerUnreachableError } from "./errors.ts";
import { execCreated, execInspect } from "./schemas.ts";
import { demultiplex } from "./stream.ts";
import { singleFileTar } from "./tar.ts";

// $0 is the file, "$@" the command: nothing of the input is on this command line.
const STDIN_FROM_FILE = 'exec 3<"$0" && rm -f "$0" && exec "$@" <&3 3<&-';

interface Limits {
  timeoutMs: number;
  clock: Clock;
}

type Target = { id: string; name: string };

export async function runExec(proxy: DockerProxy, container: Target, options: ExecOptions, limits: Limits): Promise<ExecResult> {
  const runAs = { ...(options.user ? { user: options.user } : {}), ...(options.env ? { env: options.env } : {}) };
  if (options.stdin === undefined) return execOnce(proxy, container, options.command, runAs, limits);

  const program = options.command[0] ?? "";
  const owner = await execOnce(proxy, container, ["sh", "-c", "id -u && id -g"], options.user ? { user: options.user } : {}, limits);
  const [uid, gid] = owner.stdout.trim().split(/\s+/).map(Number);
  if (owner.exitCode !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new DriverError(
      `Cannot tell which user ${program} runs as in container ${container.name} (${owner.stderr.trim() || `exit code ${owner.exitCode}`}). ` +
        `Through Portainer, standard input is handed over as a file, which needs sh and id in the container.`,
      { transient: false },
    );
  }
  const name = `.tenantry-stdin-${randomBytes(16).toString("hex")}`;
  const path = `/tmp/${name}`;
  const archive = singleFileTar(name, Buffer.from(options.stdin, "utf8"), { mode: 0o400, uid: uid!, gid: gid!, mtime: limits.clock.now() });
  await proxy.client.send(
    proxy.call(`/containers/${encodeURIComponent(container.id)}/archive`, {
      method: "PUT",
      query: { path: "/tmp" },
      body: { bytes: archive, contentType: "application/x-tar" },
      idempotent: true,
      action: `handing standard input to ${program} in container ${container.name}`,
    }),
  );
  const removeFile = () => execOnce(proxy, container, ["rm", "-f", path], options.user ? { user: options.user } : {}, limits).catch(() => undefined);
  let result: ExecResult;
  try {
    result = await execOnce(proxy, container, ["sh", "-c", STDIN_FROM_FILE, path, ...options.command], runAs, limits);
  } catch (err) {
    await removeFile();
    throw err;
  }
  // The wrapper unlinks the file before the command starts; if it failed first, the file is still there.
  if (result.exitCode !== 0) await removeFile();
  return result;
}

async function execOnce(
  proxy: DockerProxy,
  container: Target,
  command: string[],
  runAs: { user?: string; env?: Record<string, string> },
  limits: Limits,
): Promise<ExecResult> {
  const program = command[0] ?? "";
  const action = `running ${program} in container ${container.name}`;
  const created = await proxy.client.json(
    execCreated,
    proxy.call(`/containers/${encodeURIComponent(container.id)}/exec`, {
      method: "POST",
      json: {
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Cmd: command,
        ...(runAs.user ? { User: runAs.user } : {}),
        ...(runAs.env ? { Env: Object.entries(runAs.env).map(([key, value]) => `${key}=${value}`) } : {}),
      },
      // An exec instance that is created but never started costs nothing.
      idempotent: true,
      action,
    }),
  );
  let output: Buffer;
  try {
    // Never repeated: that would run the command twice.
    output = await proxy.client.bytes(
      proxy.call(`/exec/${encodeURIComponent(created.Id)}/start`, { method: "POST", json: { Detach: false, Tty: false }, timeoutMs: limits.timeoutMs, action }),
    );
  } catch (err) {
    if (err instanceof PortainerUnreachableError && err.failure === "timeout") {
      throw new DriverError(
        `${program} in container ${container.name} did not finish within ${Math.round(limits.timeoutMs / 1000)}s. ` +
          `Check that the command does not wait for more input and that the container is responsive.`,
        { transient: true, cause: err },
      );
    }
    throw err;
  }
  const { stdout, stderr } = demultiplex(output);

  // The engine may record the exit code a moment after the output ends.
  const deadline = limits.clock.now().getTime() + 5_000;
  for (;;) {
    const info = await proxy.client.json(
      execInspect,
      proxy.call(`/exec/${encodeURIComponent(created.Id)}/json`, { action: `inspecting the exec of ${program} in ${container.name}` }),
    );
    if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, stdout, stderr };
    if (limits.clock.now().getTime() >= deadline) {
      throw new DriverError(`The engine did not report the exit code of ${program} in ${container.name}; retry the step.`, { transient: true });
    }
    await limits.clock.sleep(50);
  }
}
