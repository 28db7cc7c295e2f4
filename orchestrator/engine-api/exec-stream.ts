// Running a command in a container with its output streamed, the same way over both transports
// (the tenant backup's dump, its restore): create the exec instance, start it, split the engine's
// multiplexed frames as they arrive (stdout passed on with backpressure, stderr kept up to a
// bound), then read the exit code once the output has ended. Nothing grows with the output's size.
import { PassThrough, Writable, type Readable } from "node:stream";
import type { Clock } from "../clock.ts";
import type { ExecStream, ExecStreamOptions } from "../driver.ts";
import { DriverError } from "../errors.ts";
import type { EngineApi } from "./engine.ts";
import { exitCode } from "./exec.ts";

/** The end of stderr that is kept (the lines that say what went wrong come last). */
const STDERR_KEPT_BYTES = 64 * 1024;

export async function runExecStream(
  engine: EngineApi,
  container: { id: string; name: string },
  options: ExecStreamOptions,
  limits: { clock: Clock },
): Promise<ExecStream> {
  const label = `${options.command[0] ?? ""} in container ${container.name}`;
  const execId = await engine.createExec(container.id, container.name, {
    command: options.command,
    stdin: options.stdin !== undefined,
    ...(options.user ? { user: options.user } : {}),
  });
  const raw = await engine.startExecStream(execId, { ...(options.stdin ? { stdin: options.stdin } : {}), label });
  const stdout = new PassThrough();
  const frames = new FrameSplitter(stdout);
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    const fail = (error: unknown) => {
      const failure =
        error instanceof DriverError ? error : new DriverError(`The output of ${label} broke off; retry the step.`, { transient: true, cause: error });
      stdout.destroy(failure);
      raw.destroy();
      reject(failure);
    };
    raw.on("error", fail);
    options.stdin?.on("error", fail);
    frames.on("error", fail);
    frames.on("finish", () => {
      stdout.end();
      exitCode(engine, execId, label, limits.clock).then((code) => resolve({ exitCode: code, stderr: frames.stderr() }), fail);
    });
    raw.pipe(frames);
  });
  // The caller may read stdout only and hear of a failure from it; done is awaited later.
  done.catch(() => undefined);
  return { stdout, done };
}

/**
 * The engine's frames (8-byte header: stream 1 stdout or 2 stderr, 3 zero bytes, big-endian
 * length; then the payload) split as they arrive. Output that is not framed (a TTY) goes to stdout.
 */
class FrameSplitter extends Writable {
  #pending = Buffer.alloc(0);
  #remaining = 0;
  #stream = 1;
  #raw = false;
  #stderr: Buffer[] = [];
  #stderrBytes = 0;

  constructor(private readonly out: PassThrough) {
    super();
  }

  stderr(): string {
    return Buffer.concat(this.#stderr).toString("utf8");
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    const toStdout: Buffer[] = [];
    while (data.length > 0) {
      if (this.#raw) {
        toStdout.push(data);
        break;
      }
      if (this.#remaining > 0) {
        const part = data.subarray(0, this.#remaining);
        this.#remaining -= part.length;
        data = data.subarray(part.length);
        if (this.#stream === 2) this.#keepStderr(part);
        else toStdout.push(part);
        continue;
      }
      if (data.length < 8) {
        this.#pending = Buffer.from(data);
        break;
      }
      const type = data.readUInt8(0);
      if (type > 2 || data.readUIntBE(1, 3) !== 0) {
        this.#raw = true;
        continue;
      }
      this.#stream = type;
      this.#remaining = data.readUInt32BE(4);
      data = data.subarray(8);
    }
    const payload = toStdout.length === 1 ? toStdout[0]! : Buffer.concat(toStdout);
    if (payload.length === 0 || this.out.write(payload)) callback();
    else this.out.once("drain", () => callback());
  }

  #keepStderr(part: Buffer): void {
    this.#stderr.push(Buffer.from(part));
    this.#stderrBytes += part.length;
    while (this.#stderrBytes > STDERR_KEPT_BYTES && this.#stderr.length > 1) this.#stderrBytes -= this.#stderr.shift()!.length;
  }
}

/** Drains a stream to nothing (what a caller does with output it does not need). */
export function discard(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on("error", reject);
    stream.on("end", resolve);
    stream.resume();
  });
}
