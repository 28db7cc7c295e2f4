// The orchestrator's errors. Drivers translate Docker and HTTP errors into these once, at their
// edge; the job engine only asks "transient or permanent?". Messages say what to do next and
// never carry a secret; one about a setting names it by its OrchestratorSetting code, never by
// the portal's environment variable (the portal adds that hint where it reports the error).

/**
 * A setting of the orchestrator's configuration (OrchestratorOptions) that an error or a log line
 * points at, in the orchestrator's own terms: it does not know how the portal is configured. The
 * portal names the setting in its terms (an environment variable) where it reports the error.
 */
export type OrchestratorSetting =
  /** driver.socketPath: the Docker engine's socket. */
  | "engine.socket"
  /** driver.url: Portainer's address. */
  | "portainer.url"
  /** driver.credentials: Portainer's API key, or username and password. */
  | "portainer.credentials"
  /** driver.environment: the Portainer environment tenants run on. */
  | "portainer.environment"
  /** template: the compose template new tenants get. */
  | "template"
  /** portRange: the host ports tenants are published on. */
  | "ports.range"
  /** mail.smtpUrl: the SMTP server, its credentials and its certificate. */
  | "mail.smtp"
  /** secretKey: the key sealing tenant secrets and queued email. */
  | "secrets.key"
  /** tenantBackups.key: the key tenant backups are sealed with (the secrets key when not given). */
  | "backups.key"
  /** tenantBackups.dir: the folder tenant backups are written to. */
  | "backups.dir"
  /** tenantBackups.s3: the S3-compatible bucket tenant backups are uploaded to, and its keys. */
  | "backups.s3";

export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  /** Transient errors (engine unreachable, 5xx, timeouts) are retried with growing delays. */
  readonly transient: boolean;
  /** The setting to check, when fixing one is the way out. */
  readonly setting: OrchestratorSetting | undefined;
  constructor(message: string, options: { transient: boolean; cause?: unknown; setting?: OrchestratorSetting }) {
    super(message, { cause: options.cause });
    this.transient = options.transient;
    this.setting = options.setting;
  }
}

/** The setting an error, or one of its causes, points at (undefined when none does). */
export function settingOf(error: unknown): OrchestratorSetting | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    const setting = (current as { setting?: unknown }).setting;
    if (typeof setting === "string") return setting as OrchestratorSetting;
    current = current.cause;
  }
  return undefined;
}

/** The Docker engine (or Portainer) cannot be reached right now. */
export class EngineUnavailableError extends OrchestratorError {
  override name = "EngineUnavailableError";
  constructor(message: string, cause?: unknown, setting?: OrchestratorSetting) {
    super(message, { transient: true, cause, ...(setting ? { setting } : {}) });
  }
}

/**
 * True when the engine (or Portainer) could not be reached: the job goes back to the queue and
 * the time it then waits for the engine does not count against its deadline.
 */
export function isEngineUnreachable(error: unknown): boolean {
  return error instanceof EngineUnavailableError;
}

/** An image named by a template is not on the engine and cannot be pulled. */
export class ImageMissingError extends OrchestratorError {
  override name = "ImageMissingError";
  constructor(readonly image: string, cause?: unknown) {
    super(
      `Image ${image} is not available on the engine and could not be pulled. ` +
        `Load or build it on the engine (docker load / docker build), or fix the image name in the template.`,
      { transient: false, cause },
    );
  }
}

/** A compose template uses something we do not support, or is malformed. */
export class TemplateError extends OrchestratorError {
  override name = "TemplateError";
  constructor(message: string) {
    super(message, { transient: false });
  }
}

/** Anything else the driver reports; `transient` tells the engine whether to retry. */
export class DriverError extends OrchestratorError {
  override name = "DriverError";
}
