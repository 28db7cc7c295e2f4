// Time, injected: waits and deadlines use this, so tests can drive them without sleeping.
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * The system's time moved by `offsetMs()` (read at each call): how a test moves a whole process
 * forward in time (app/clock.server.ts reads the offset from a file). Sleeps stay real.
 */
export function offsetClock(offsetMs: () => number): Clock {
  return { now: () => new Date(Date.now() + offsetMs()), sleep: systemClock.sleep };
}
