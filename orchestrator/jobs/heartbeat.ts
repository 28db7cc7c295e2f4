// A lease renewed on a schedule while some work runs (a job, an email being sent). Each beat
// waits for the previous one, and `stop` ends it for good: callers stop it in a `finally`, so it
// can never outlive the work it covers.
export interface Heartbeat {
  stop(): void;
}

/** Calls `beat` every `intervalMs` until stopped; `beat` handles its own errors. */
export function startHeartbeat(intervalMs: number, beat: () => Promise<void>): Heartbeat {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  const tick = () => {
    if (stopped) return;
    beat().then(schedule, schedule);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
