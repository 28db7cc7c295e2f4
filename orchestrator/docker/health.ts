// Waiting for a service's depends_on before starting it, as compose does: service_healthy waits
// for the healthcheck, service_completed_successfully for exit code 0, service_started for the
// container to run. A dependency that turns unhealthy, exits, or keeps restarting fails the wait
// at once, with its last log lines, instead of letting the caller sit out the whole timeout.
import type { Clock } from "../clock.ts";
import { projectContainers } from "../engine-api/containers.ts";
import type { EngineApi } from "../engine-api/engine.ts";
import { containerLogText } from "../engine-api/logs.ts";
import type { ContainerInspect } from "../engine-api/wire.ts";
import { DriverError, TemplateError } from "../errors.ts";
import { redactSecrets } from "../secrets.ts";
import type { DependsOnCondition } from "../stack-spec.ts";

export interface DependencyWait {
  project: string;
  /** The service about to start. */
  dependent: string;
  dependency: string;
  condition: DependsOnCondition;
  timeoutMs: number;
  pollMs: number;
  clock: Clock;
  signal?: AbortSignal;
  /** Values to remove from the dependency's log lines quoted in errors. */
  secrets: readonly string[];
}

const LOG_LINES_IN_ERRORS = 20;
// A container restarting this many times during one wait is crash-looping: its health would
// stay "starting" forever, so the wait would otherwise only end at its timeout.
const RESTARTS_MEANING_CRASH_LOOP = 3;

type Verdict = { done: true } | { done: false; failure?: string; waitingFor: string };

function judge(condition: DependsOnCondition, info: ContainerInspect, restartsSinceWait: number): Verdict {
  const { State: state } = info;
  if (restartsSinceWait >= RESTARTS_MEANING_CRASH_LOOP) {
    return { done: false, failure: `restarted ${restartsSinceWait} times (crash loop)`, waitingFor: "" };
  }
  if (condition === "service_completed_successfully") {
    if (state.Status === "exited") {
      return state.ExitCode === 0
        ? { done: true }
        : { done: false, failure: `exited with code ${state.ExitCode}`, waitingFor: "" };
    }
    if (state.Status === "dead") return { done: false, failure: "is dead", waitingFor: "" };
    return { done: false, waitingFor: `completion (now ${state.Status})` };
  }
  if (state.Status === "exited" || state.Status === "dead") {
    return { done: false, failure: `${state.Status === "dead" ? "is dead" : `exited with code ${state.ExitCode}`}`, waitingFor: "" };
  }
  if (condition === "service_started") {
    return state.Running ? { done: true } : { done: false, waitingFor: `running (now ${state.Status})` };
  }
  const health = state.Health?.Status;
  if (!health) {
    throw new TemplateError(
      `Service "${info.Name.replace(/^\//, "")}" is a service_healthy dependency but has no healthcheck; add one to the template.`,
    );
  }
  if (health === "unhealthy") return { done: false, failure: "became unhealthy", waitingFor: "" };
  return state.Running && health === "healthy"
    ? { done: true }
    : { done: false, waitingFor: `healthy (now ${state.Status}/${health})` };
}

async function failure(engine: EngineApi, wait: DependencyWait, id: string, name: string, what: string, transient: boolean): Promise<DriverError> {
  let tail: string;
  try {
    tail = redactSecrets((await containerLogText(engine, { id, name }, LOG_LINES_IN_ERRORS)).trimEnd(), wait.secrets);
  } catch {
    tail = "(its logs could not be read)";
  }
  const indented = tail ? tail.split("\n").map((line) => `  | ${line}`).join("\n") : "  | (no output)";
  return new DriverError(
    `Service "${wait.dependent}" of ${wait.project} cannot start: its dependency "${wait.dependency}" (${name}) ${what}. ` +
      `Last log lines of ${name}:\n${indented}\n` +
      `Fix what the logs show (full logs: docker logs ${name}), then deploy or start the stack again.`,
    { transient },
  );
}

export async function waitForDependency(engine: EngineApi, wait: DependencyWait): Promise<void> {
  const [container] = await projectContainers(engine, wait.project, wait.dependency);
  if (!container) {
    throw new DriverError(
      `Service "${wait.dependent}" of ${wait.project} depends on "${wait.dependency}", which has no container. ` +
        `Deploy the whole stack again so that it is created.`,
      { transient: false },
    );
  }
  const { id, name } = container;
  const inspect = async () => {
    const info = await engine.inspectContainer(id, name);
    if (info) return info;
    throw new DriverError(`Container ${name} of "${wait.dependency}" was removed while "${wait.dependent}" waited for it; deploy the stack again.`, {
      transient: false,
    });
  };
  const deadline = wait.clock.now().getTime() + wait.timeoutMs;
  const initialRestarts = (await inspect()).RestartCount;
  for (;;) {
    wait.signal?.throwIfAborted();
    const info = await inspect();
    const verdict = judge(wait.condition, info, info.RestartCount - initialRestarts);
    if (verdict.done) return;
    if (verdict.failure) throw await failure(engine, wait, id, name, verdict.failure, false);
    if (wait.clock.now().getTime() >= deadline) {
      // Slow rather than broken, as far as we can tell: worth retrying later.
      throw await failure(engine, wait, id, name, `was not ${verdict.waitingFor} within ${Math.round(wait.timeoutMs / 1000)}s`, true);
    }
    await wait.clock.sleep(wait.pollMs, wait.signal);
  }
}
