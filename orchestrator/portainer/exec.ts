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
//
// A streamed standard input (a restore's dump, any size: runExecStreamThroughProxy) goes the same
// way in parts of 8 MiB, one archive upload each, so memory stays bounded; in the container a `sh`
// wrapper joins the parts into one file (0600, each part deleted once copied), opens it, unlinks
// it and runs the command on it, which needs the dump's size free in the container's /tmp.
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { ExecOptions, ExecResult, ExecStream, ExecStreamOptions } from "../driver.ts";
import { runExec as runOverEngine, type ExecLimits } from "../engine-api/exec.ts";
import { runExecStream } from "../engine-api/exec-stream.ts";
import { DriverError } from "../errors.ts";
import type { DockerProxy } from "./docker-proxy.ts";
import { singleFileTar } from "./tar.ts";

// $0 is the file, "$@" the command: nothing of the input is on this command line.
const STDIN_FROM_FILE = 'exec 3<"$0" && rm -f "$0" && exec "$@" <&3 3<&-';

// $0 is the parts' common prefix, "$@" the command. Parts are joined in name order (zero-padded).
const STDIN_FROM_PARTS =
  'umask 077 && for part in "$0"-*; do cat "$part" >> "$0" && rm -f "$part" || exit 97; done && exec 3<"$0" && rm -f "$0" && exec "$@" <&3 3<&-';
const PART_BYTES = 8 * 1024 * 1024;

type Target = { id: string; name: string };

export async function runExecStreamThroughProxy(proxy: DockerProxy, container: Target, options: ExecStreamOptions, limits: ExecLimits): Promise<ExecStream> {
  const { stdin, ...withoutStdin } = options;
  if (stdin === undefined) return runExecStream(proxy, container, withoutStdin, limits);
  const program = options.command[0] ?? "";
  const asUser = options.user ? { user: options.user } : {};
  const { uid, gid } = await commandOwner(proxy, container, options, limits);
  const prefix = `.tenantry-stdin-${randomBytes(16).toString("hex")}`;
  const path = `/tmp/${prefix}`;
  const removeParts = () => runOverEngine(proxy, container, { command: ["sh", "-c", 'rm -f "$0" "$0"-*', path], ...asUser }, limits).catch(() => undefined);
  try {
    let index = 0;
    for await (const part of parts(stdin, PART_BYTES)) {
      const name = `${prefix}-${String(index++).padStart(6, "0")}`;
      const archive = singleFileTar(name, part, { mode: 0o400, uid, gid, mtime: limits.clock.now() });
      await proxy.putArchive(container.id, "/tmp", archive, `handing standard input to ${program} in container ${container.name}`);
    }
    const run = await runExecStream(proxy, container, { ...withoutStdin, command: ["sh", "-c", STDIN_FROM_PARTS, path, ...options.command] }, limits);
    const done = run.done.finally(removeParts);
    done.catch(() => undefined);
    return { stdout: run.stdout, done };
  } catch (err) {
    await removeParts();
    throw err;
  }
}

/** The input in parts of `size` bytes (at least one part, empty for an empty input). */
async function* parts(input: Readable, size: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let any = false;
  for await (const chunk of input) {
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    while (data.length > 0) {
      const take = data.subarray(0, size - heldBytes);
      held.push(take);
      heldBytes += take.length;
      data = data.subarray(take.length);
      if (heldBytes === size) {
        any = true;
        yield Buffer.concat(held);
        held = [];
        heldBytes = 0;
      }
    }
  }
  if (heldBytes > 0 || !any) yield Buffer.concat(held);
}

async function commandOwner(proxy: DockerProxy, container: Target, options: { command: string[]; user?: string }, limits: ExecLimits): Promise<{ uid: number; gid: number }> {
  const program = options.command[0] ?? "";
  const owner = await runOverEngine(proxy, container, { command: ["sh", "-c", "id -u && id -g"], ...(options.user ? { user: options.user } : {}) }, limits);
  const [uid, gid] = owner.stdout.trim().split(/\s+/).map(Number);
  if (owner.exitCode !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new DriverError(
      `Cannot tell which user ${program} runs as in container ${container.name} (${owner.stderr.trim() || `exit code ${owner.exitCode}`}). ` +
        `Through Portainer, standard input is handed over as a file, which needs sh and id in the container.`,
      { transient: false },
    );
  }
  return { uid: uid!, gid: gid! };
}

export async function runExecThroughProxy(proxy: DockerProxy, container: Target, options: ExecOptions, limits: ExecLimits): Promise<ExecResult> {
  const { stdin, ...withoutStdin } = options;
  if (stdin === undefined) return runOverEngine(proxy, container, withoutStdin, limits);

  const program = options.command[0] ?? "";
  const asUser = options.user ? { user: options.user } : {};
  const { uid, gid } = await commandOwner(proxy, container, options, limits);
  const name = `.tenantry-stdin-${randomBytes(16).toString("hex")}`;
  const path = `/tmp/${name}`;
  const archive = singleFileTar(name, Buffer.from(stdin, "utf8"), { mode: 0o400, uid, gid, mtime: limits.clock.now() });
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
