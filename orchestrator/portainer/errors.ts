// The only place where Portainer's answers, and fetch's failures to get one, become the
// orchestrator's errors (orchestrator/errors.ts). The client (client.ts) raises these; the rest
// of this folder only catches the few statuses it gives a meaning to (404 gone, 409 exists).
// Messages quote Portainer's own `message` (and `details` when it adds something) and say what
// to do next; they never carry a credential, and deploy failures are scrubbed of the stack's
// secret values (compose may echo environment values in its errors).
import { DriverError, EngineUnavailableError, ImageMissingError, type OrchestratorError, type OrchestratorSetting } from "../errors.ts";
import { redactSecrets } from "../secrets.ts";

/** Portainer, or the Docker engine behind its proxy, answered with an error status. */
export class PortainerApiError extends DriverError {
  override name = "PortainerApiError";
  constructor(
    readonly status: number,
    /** Portainer's (or Docker's) own sentence, e.g. "Stack is already inactive". */
    readonly portainerMessage: string,
    /** Portainer's `details`, the underlying Go error text (may equal the message). */
    readonly details: string,
    message: string,
    transient: boolean,
    setting?: OrchestratorSetting,
  ) {
    super(message, { transient, ...(setting ? { setting } : {}) });
  }
}

/**
 * Portainer did not answer. `failure` tells a caller whether the request may have been processed:
 * "refused" never reached it; "lost" (connection closed with no answer), "timeout" and "gateway"
 * (a reverse proxy's 502/503/504) may have, so a write is never blindly sent again.
 */
export type UnreachableFailure = "refused" | "lost" | "timeout" | "gateway";

export class PortainerUnreachableError extends EngineUnavailableError {
  override name = "PortainerUnreachableError";
  constructor(
    message: string,
    readonly failure: UnreachableFailure,
    cause?: unknown,
  ) {
    super(message, cause, "portainer.url");
  }
}

const HINTS: Record<number, string> = {
  400: "Tenantry sent a request this Portainer version does not accept; check that it is 2.19 or newer (README, \"Running tenants through Portainer\").",
  401: "Check Tenantry's Portainer credentials (its API key, or its username and password).",
  403: "The Portainer user behind Tenantry's credentials must be an administrator (README, \"Running tenants through Portainer\").",
  404: "Check the Portainer environment Tenantry is given (its id or name), and that the stack or container still exists.",
  409: "Another operation is running on the same stack; the job will retry once it has finished.",
  422: "Check Tenantry's Portainer username and password.",
};

// The setting a status points at (see OrchestratorSetting): the portal names it in its own terms.
const SETTINGS: Record<number, OrchestratorSetting> = {
  401: "portainer.credentials",
  404: "portainer.environment",
  422: "portainer.credentials",
};

/** An error status from Portainer as an orchestrator error: 5xx and 409 may pass, others will not. */
export function apiError(status: number, body: { message: string; details: string }, action: string, secrets: readonly string[]): PortainerApiError {
  const message = redactSecrets(body.message, secrets);
  const details = redactSecrets(body.details, secrets);
  const said = details && details.toLowerCase() !== message.toLowerCase() ? `${message} (${details})` : message;
  const transient = status >= 500 || status === 409;
  const hint =
    status >= 500
      ? "Portainer failed; the job will retry. If it keeps failing, read Portainer's logs."
      : status >= 300 && status < 400
        ? "Portainer redirects elsewhere (http to https?); give Tenantry the address it redirects to."
        : (HINTS[status] ?? "Fix the request's cause, then try again.");
  const setting = status >= 300 && status < 400 ? "portainer.url" : SETTINGS[status];
  return new PortainerApiError(status, message, details, `Portainer answered HTTP ${status} while ${action}: ${said}. ${hint}`, transient, setting);
}

/**
 * Why a compose deployment failed, as Portainer reports it (a 500's message in sync mode, the
 * last DeploymentStatus message in async mode), turned into the error the job engine needs:
 * a missing image and a taken port are permanent, a Docker engine Portainer cannot reach is not.
 */
export function deployFailure(project: string, reason: string, secrets: readonly string[]): OrchestratorError {
  const text = redactSecrets(reason, secrets);
  const image = /pull access denied for ([^\s,]+)|manifest for (\S+) not found|No such image: (\S+)|repository (\S+) not found/i.exec(text);
  if (image) return new ImageMissingError(image.slice(1).find(Boolean)!, new Error(text));
  if (/port is already allocated|address already in use/i.test(text)) {
    return new DriverError(
      `Portainer could not deploy stack ${project}: a host port is already in use (${text}). ` +
        `Free that port or reserve another one for this tenant, then deploy again.`,
      { transient: false },
    );
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running/i.test(text)) {
    return new EngineUnavailableError(
      `Portainer could not reach its Docker environment while deploying stack ${project} (${text}). ` +
        `Check the environment in Portainer; the job will retry.`,
    );
  }
  return new DriverError(
    `Portainer could not deploy stack ${project}: ${text}. ` +
      `Fix the cause (Portainer's stack page shows the same message), then deploy again.`,
    { transient: false },
  );
}

// Socket-level failures that mean "nothing reached Portainer": safe to send again.
const REFUSED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** What fetch threw (no answer at all), as an unreachable error naming the URL, never a credential. */
export function unreachable(err: unknown, target: string, action: string, attempts: number): PortainerUnreachableError {
  const timedOut = (err as { name?: unknown })?.name === "TimeoutError";
  const code = timedOut ? "timeout" : (codeOf(err) ?? "no answer");
  const failure: UnreachableFailure = timedOut ? "timeout" : REFUSED_CODES.has(code) ? "refused" : "lost";
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return new PortainerUnreachableError(
    `Portainer at ${target} did not answer while ${action} (${code})${tries}. ` +
      `Check that Portainer runs and that Tenantry's Portainer address is right; provisioning waits and retries.`,
    failure,
    err,
  );
}

/** A gateway in front of Portainer answered 502/503/504: Portainer is down or restarting behind it. */
export function gatewayError(status: number, target: string, action: string, attempts: number): PortainerUnreachableError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  return new PortainerUnreachableError(
    `Portainer at ${target} is unavailable (HTTP ${status} from the server in front of it) while ${action}${tries}. ` +
      `Check that Portainer runs; provisioning waits and retries.`,
    "gateway",
  );
}
