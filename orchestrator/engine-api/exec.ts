// Running a command in a container, the same way over both transports: create the exec instance,
// start it (its output comes back multiplexed once the process has closed it), then read its exit
// code, which the engine may record a moment after the output ends. Standard input is written to
// the process, then closed, where the transport can carry it (dockerode's hijacked connection; not
// Portainer's proxy, see portainer/exec.ts): secrets never go in arguments or environment, which the
// engine records and shows (`docker inspect`, `docker events`, `ps`).
import type { Clock } from "../clock.ts";
import type { ExecOptions, ExecResult } from "../driver.ts";
import { DriverError } from "../errors.ts";
import type { EngineApi } from "./engine.ts";
import { demultiplex } from "./logs.ts";

export interface ExecLimits {
  timeoutMs: number;
  clock: Clock;
}

/** How long the engine gets to record an exit code after the output has ended. */
const EXIT_CODE_WAIT_MS = 5_000;

export async function runExec(
  engine: EngineApi,
  container: { id: string; name: string },
  options: ExecOptions,
  limits: ExecLimits,
): Promise<ExecResult> {
  const program = options.command[0] ?? "";
  const label = `${program} in container ${container.name}`;
  const execId = await engine.createExec(container.id, container.name, {
    command: options.command,
    stdin: options.stdin !== undefined,
    ...(options.user ? { user: options.user } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const output = await engine.startExec(execId, {
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    timeoutMs: limits.timeoutMs,
    label,
  });
  const { stdout, stderr } = demultiplex(output);
  return { exitCode: await exitCode(engine, execId, label, limits.clock), stdout, stderr };
}

/** The exec's exit code once the engine reports it stopped (shared with the streamed exec). */
export async function exitCode(engine: EngineApi, execId: string, label: string, clock: Clock): Promise<number> {
  const deadline = clock.now().getTime() + EXIT_CODE_WAIT_MS;
  for (;;) {
    const info = await engine.inspectExec(execId, label);
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (clock.now().getTime() >= deadline) {
      throw new DriverError(`The engine did not report the exit code of ${label}; retry the step.`, { transient: true });
    }
    await clock.sleep(50);
  }
}

/** What a transport throws when a run outlives `timeoutMs`. */
export function execTimedOut(run: { label: string; timeoutMs: number }, cause?: unknown): DriverError {
  return new DriverError(
    `${run.label} did not finish within ${Math.round(run.timeoutMs / 1000)}s. ` +
      `Check that the command does not wait for more input and that the container is responsive.`,
    { transient: true, cause },
  );
}
