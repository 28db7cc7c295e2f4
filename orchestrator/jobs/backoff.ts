// Growing delays with jitter between retries of a transient failure, so that many jobs that
// failed together (the engine restarting) do not all come back at the same instant.
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

/** Delay before attempt `attempt + 1`: base·2^(attempt−1), capped, times a random 0.5–1.5. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random()));
}
