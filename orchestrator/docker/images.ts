// Makes sure an image is on the engine before anything of a stack is created. Images are
// normally built or loaded on the engine ahead of time; a pull is attempted only when the image is
// absent, bounded by a timeout, and any failure of it means "image missing", not "engine down".
import type Dockerode from "dockerode";
import { ImageMissingError } from "../errors.ts";
import { dockerCallOrNull, isEngineUnreachable, translateDockerError } from "./errors.ts";

export interface EnsureImageOptions {
  /** 0 disables pulling: an absent image fails at once. */
  pullTimeoutMs: number;
  signal?: AbortSignal;
}

async function isPresent(docker: Dockerode, image: string): Promise<boolean> {
  const info = await dockerCallOrNull(`inspecting image ${image}`, () => docker.getImage(image).inspect());
  return info !== null;
}

/** Pulls `image`; rejects on an HTTP error, an error line in the progress stream, or abort. */
async function pull(docker: Dockerode, image: string, signal: AbortSignal): Promise<void> {
  const stream = await docker.pull(image, { abortSignal: signal });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
      const failed = output?.find((line) => typeof line.error === "string");
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
  // An abort can end the progress stream quietly instead of with an error.
  signal.throwIfAborted();
}

export async function ensureImage(docker: Dockerode, image: string, options: EnsureImageOptions): Promise<void> {
  if (await isPresent(docker, image)) return;
  if (options.pullTimeoutMs <= 0) throw new ImageMissingError(image);

  const timeout = AbortSignal.timeout(options.pullTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    await pull(docker, image, signal);
  } catch (err) {
    options.signal?.throwIfAborted();
    // The engine answering "cannot reach the registry" (a 500) is a missing image; the engine
    // itself not answering is not.
    if (isEngineUnreachable(err)) throw translateDockerError(err, `pulling image ${image}`);
    throw new ImageMissingError(image, err);
  }
  if (!(await isPresent(docker, image))) throw new ImageMissingError(image);
}
