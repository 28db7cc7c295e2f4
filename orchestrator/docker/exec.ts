// Running a command in a service's container. Secrets travel on the process's standard input
// (written, then closed), never in its arguments or environment, which the engine records and
// shows (`docker inspect`, `docker events`, `ps`).
import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import type { ExecOptions, ExecResult } from "../driver.ts";
import { DriverError } from "../errors.ts";
import type { Clock } from "../clock.ts";
import { dockerCall } from "./errors.ts";

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  // Joined at the end so that a character split across two frames is decoded whole.
  return () => Buffer.concat(chunks).toString("utf8");
}

/** Resolves when the hijacked connection is over (the process exited and its output was read). */
function finished(stream: NodeJS.ReadWriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
}

export async function runExec(
  docker: Dockerode,
  container: { id: string; name: string },
  options: ExecOptions,
  limits: { timeoutMs: number; clock: Clock },
): Promise<ExecResult> {
  const program = options.command[0] ?? "";
  const action = `running ${program} in container ${container.name}`;
  const hasStdin = options.stdin !== undefined;
  const exec = await dockerCall(action, () =>
    docker.getContainer(container.id).exec({
      Cmd: options.command,
      AttachStdin: hasStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(options.user ? { User: options.user } : {}),
      ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
    }),
  );
  const stream = await dockerCall(action, () => exec.start({ hijack: true, stdin: hasStdin }));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const readStdout = collect(stdout);
  const readStderr = collect(stderr);
  docker.modem.demuxStream(stream, stdout, stderr);
  const done = finished(stream);
  // Ending our side is what tells the process its input is over (psql then runs and exits).
  if (hasStdin) stream.write(options.stdin ?? "");
  stream.end();

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), limits.timeoutMs);
  });
  try {
    const outcome = await Promise.race([done.then(() => "done" as const), timedOut]);
    if (outcome === "timeout") {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      throw new DriverError(
        `${program} in container ${container.name} did not finish within ${Math.round(limits.timeoutMs / 1000)}s. ` +
          `Check that the command does not wait for more input and that the container is responsive.`,
        { transient: true },
      );
    }
  } catch (err) {
    if (err instanceof DriverError) throw err;
    throw new DriverError(`The connection to ${program} in container ${container.name} failed; retry the step.`, {
      transient: true,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }

  // The engine may record the exit code a moment after the output ends.
  const deadline = limits.clock.now().getTime() + 5_000;
  for (;;) {
    const info = await dockerCall(`inspecting the exec of ${program} in ${container.name}`, () => exec.inspect());
    if (!info.Running && info.ExitCode !== null) {
      return { exitCode: info.ExitCode, stdout: readStdout(), stderr: readStderr() };
    }
    if (limits.clock.now().getTime() >= deadline) {
      throw new DriverError(`The engine did not report the exit code of ${program} in ${container.name}; retry the step.`, {
        transient: true,
      });
    }
    await limits.clock.sleep(50);
  }
}
