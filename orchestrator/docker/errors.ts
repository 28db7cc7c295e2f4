// The only place where dockerode's errors become the orchestrator's (orchestrator/errors.ts).
// Everything else in this folder calls the engine through `dockerCall`, so the job engine only
// ever sees EngineUnavailableError (retry later), ImageMissingError, TemplateError or
// DriverError (whose `transient` says whether a retry can help).
import { DriverError, EngineUnavailableError, OrchestratorError } from "../errors.ts";
import { redactSecrets } from "../secrets.ts";

/** What docker-modem puts on the errors it raises (an HTTP status, or a socket error code). */
interface DockerErrorFields {
  statusCode?: unknown;
  code?: unknown;
  json?: unknown;
  message?: unknown;
}

// Socket-level failures: the engine is down, restarting, or the socket path is wrong. A request
// timeout (a client created with `timeout`) surfaces as ECONNRESET ("socket hang up").
const ENGINE_UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOENT",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
]);

function fields(err: unknown): DockerErrorFields {
  return typeof err === "object" && err !== null ? (err as DockerErrorFields) : {};
}

export function dockerStatusCode(err: unknown): number | undefined {
  const status = fields(err).statusCode;
  return typeof status === "number" ? status : undefined;
}

export function isDockerStatus(err: unknown, status: number): boolean {
  return dockerStatusCode(err) === status;
}

/** True when the engine itself could not be reached (as opposed to answering with an error). */
export function isEngineUnreachable(err: unknown): boolean {
  const code = fields(err).code;
  return typeof code === "string" && ENGINE_UNREACHABLE_CODES.has(code);
}

/** The daemon's own sentence ("No such container: x"), without docker-modem's "(HTTP code …)" prefix. */
function daemonMessage(err: unknown): string {
  const { json, message } = fields(err);
  if (typeof json === "object" && json !== null && typeof (json as { message?: unknown }).message === "string") {
    return (json as { message: string }).message;
  }
  if (typeof json === "string" && json.trim() !== "") return json.trim();
  return typeof message === "string" ? message : String(err);
}

/**
 * Translates anything dockerode threw while doing `action` (a phrase such as "creating container
 * acme-app") into an orchestrator error. `secrets` are removed from the message; when one was
 * found, the original error is not attached as `cause` either, so a logger cannot print it.
 */
export function translateDockerError(err: unknown, action: string, secrets: readonly string[] = []): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const code = fields(err).code;
  if (isEngineUnreachable(err)) {
    return new EngineUnavailableError(
      `The Docker engine did not answer while ${action} (${String(code)}). ` +
        `Check that the engine runs and that the orchestrator's socket path or host is right; the job will retry.`,
      err,
    );
  }
  if (code === "EACCES") {
    return new DriverError(
      `Permission denied on the Docker socket while ${action}. ` +
        `Run the orchestrator as a user allowed to use the socket (e.g. in the docker group).`,
      { transient: false, cause: err },
    );
  }

  const raw = daemonMessage(err);
  // Daemon messages may echo configuration ("invalid environment variable: …"): never a secret.
  const detail = redactSecrets(raw, secrets);
  const cause = detail === raw ? err : undefined;
  const status = dockerStatusCode(err);

  if (status === undefined) {
    return new DriverError(`Unexpected error from the Docker client while ${action}: ${detail}`, {
      transient: false,
      cause,
    });
  }
  if (status >= 500) {
    // Docker answers 500 when a host port is taken: a retry with the same port cannot succeed.
    if (/port is already allocated|address already in use/i.test(raw)) {
      return new DriverError(
        `A host port is already in use while ${action}: ${detail}. ` +
          `Free that port or reserve another one for this tenant, then deploy again.`,
        { transient: false, cause },
      );
    }
    return new EngineUnavailableError(
      `The Docker engine failed while ${action} (HTTP ${status}: ${detail}). ` +
        `The job will retry; if it keeps failing, read the engine's logs.`,
      cause,
    );
  }
  if (status === 404) {
    return new DriverError(`Not found while ${action}: ${detail}.`, { transient: false, cause });
  }
  if (status === 409) {
    return new DriverError(
      `Conflict while ${action}: ${detail}. Another operation may be running on the same resource; retry once it has finished.`,
      { transient: true, cause },
    );
  }
  return new DriverError(
    `The Docker engine refused ${action} (HTTP ${status}: ${detail}). Fix the stack's template or configuration, then deploy again.`,
    { transient: false, cause },
  );
}

/** Runs one engine call, translating its failure. */
export async function dockerCall<T>(action: string, call: () => Promise<T>, secrets?: readonly string[]): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateDockerError(err, action, secrets);
  }
}

/** Runs an inspect-like engine call; `null` when the engine answers 404 (the resource is absent). */
export async function dockerCallOrNull<T>(action: string, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (isDockerStatus(err, 404)) return null;
    throw translateDockerError(err, action);
  }
}

/**
 * Runs a state-changing call whose "already done" answers are success: 304 (already started or
 * stopped), 404 (already gone) for removals. Keeps stop/start/remove idempotent.
 */
export async function dockerCallIdempotent(action: string, call: () => Promise<unknown>, okStatuses: readonly number[]): Promise<void> {
  try {
    await call();
  } catch (err) {
    const status = dockerStatusCode(err);
    if (status !== undefined && okStatuses.includes(status)) return;
    throw translateDockerError(err, action);
  }
}
