// Running a command in a container through Portainer's Docker proxy (reference §7): the shared
// exec of ../engine-api/exec.ts (create, start, exit code), plus the way standard input gets in.
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
import { runExec as runOverEngine, type ExecLimits } from "../engine-api/exec.ts";
import { DriverError } from "../errors.ts";
import type { DockerProxy } from "./docker-proxy.ts";
import { singleFileTar } from "./tar.ts";

// $0 is the file, "$@" the command: nothing of the input is on this command line.
const STDIN_FROM_FILE = 'exec 3<"$0" && rm -f "$0" && exec "$@" <&3 3<&-';

type Target = { id: string; name: string };

export async function runExecThroughProxy(proxy: DockerProxy, container: Target, options: ExecOptions, limits: ExecLimits): Promise<ExecResult> {
  const { stdin, ...withoutStdin } = options;
  if (stdin === undefined) return runOverEngine(proxy, container, withoutStdin, limits);

  const program = options.command[0] ?? "";
  const asUser = options.user ? { user: options.user } : {};
  const owner = await runOverEngine(proxy, container, { command: ["sh", "-c", "id -u && id -g"], ...asUser }, limits);
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
  const archive = singleFileTar(name, Buffer.from(stdin, "utf8"), { mode: 0o400, uid: uid!, gid: gid!, mtime: limits.clock.now() });
  await proxy.putArchive(container.id, "/tmp", archive, `handing standard input to ${program} in container ${container.name}`);
  const removeFile = () => runOverEngine(proxy, container, { command: ["rm", "-f", path], ...asUser }, limits).catch(() => undefined);
  let result: ExecResult;
  try {
    result = await runOverEngine(proxy, container, { ...withoutStdin, command: ["sh", "-c", STDIN_FROM_FILE, path, ...options.command] }, limits);
  } catch (err) {
    await removeFile();
    throw err;
  }
  // The wrapper unlinks the file before the command starts; if it failed first, the file is still there.
  if (result.exitCode !== 0) await removeFile();
  return result;
}
