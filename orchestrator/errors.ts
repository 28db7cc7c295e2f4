// The orchestrator's errors. Drivers translate Docker and HTTP errors into these once, at their
// edge; the job engine only asks "transient or permanent?". Messages say what to do next and
// never carry a secret.

export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  /** Transient errors (engine unreachable, 5xx, timeouts) are retried with growing delays. */
  readonly transient: boolean;
  constructor(message: string, options: { transient: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.transient = options.transient;
  }
}

/** The Docker engine (or Portainer) cannot be reached right now. */
export class EngineUnavailableError extends OrchestratorError {
  override name = "EngineUnavailableError";
  constructor(message: string, cause?: unknown) {
    super(message, { transient: true, cause });
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
