// Polls one readiness check of the template until it passes, or fails the step with what the
// check last saw and the service's last log lines (secrets removed by the job runner).
import { isEngineUnreachable, OrchestratorError } from "../errors.ts";
import type { JobContext } from "../jobs/run-job.ts";
import type { ReadinessCheck } from "../templates/readiness.ts";
import type { LifecycleDeps } from "./context.ts";

export async function waitUntilReady(
  deps: LifecycleDeps,
  context: JobContext,
  project: string,
  check: ReadinessCheck,
): Promise<void> {
  const deadline = deps.clock.now().getTime() + check.timeoutMs;
  let lastSeen = "not tried yet";
  for (;;) {
    context.signal.throwIfAborted();
    try {
      lastSeen = await probe(deps, project, check, context.signal);
      if (lastSeen === "ready") return;
    } catch (error) {
      // An engine that does not answer is worth retrying the whole job for; anything else is
      // "not ready yet" until the check's own timeout.
      // (Portainer's own outage included: its error is an EngineUnavailableError too.)
      if (isEngineUnreachable(error)) throw error;
      lastSeen = error instanceof Error ? error.message : String(error);
    }
    if (deps.clock.now().getTime() >= deadline) break;
    await deps.clock.sleep(check.intervalMs, context.signal);
  }
  const logs = await deps.driver.logs(project, check.service, { tail: 20 }).catch(() => "(logs unavailable)");
  throw new OrchestratorError(
    `${check.description} — not ready after ${Math.round(check.timeoutMs / 1000)} s (check "${check.id}"; last result: ${lastSeen}). ` +
      `Last log lines of ${check.service}:\n${logs.trim()}`,
    { transient: false },
  );
}

async function probe(deps: LifecycleDeps, project: string, check: ReadinessCheck, signal: AbortSignal): Promise<string> {
  if (check.type === "exec") {
    const result = await deps.driver.exec(project, check.service, {
      command: check.command,
      ...(check.user ? { user: check.user } : {}),
    });
    const stdout = result.stdout.trim();
    const exitOk = result.exitCode === check.expect.exitCode;
    const outputOk = check.expect.stdoutTrimmed === undefined || stdout === check.expect.stdoutTrimmed;
    return exitOk && outputOk ? "ready" : `exit code ${result.exitCode}, output ${JSON.stringify(stdout.slice(0, 200))}`;
  }
  const response = await fetch(check.url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
  await response.body?.cancel();
  return response.status === check.expect.status ? "ready" : `HTTP ${response.status}`;
}
