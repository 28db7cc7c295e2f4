// Compose's notations for durations, sizes and CPUs, converted to the numbers the Docker Engine
// API takes. `at` is the value's path in the compose file, for error messages.
import { TemplateError } from "../errors.ts";

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;

/** "1m30s", "500ms", "5s" (Go durations, as compose writes them) → whole milliseconds. */
export function parseDurationMs(value: unknown, at: string): number {
  if (typeof value !== "string" || !DURATION.test(value)) {
    throw new TemplateError(`${at} must be a duration such as "5s", "1m30s" or "500ms" (got ${JSON.stringify(value)}).`);
  }
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * (DURATION_UNITS_MS[unit!] ?? 0);
  return Math.round(ms);
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i;
const SIZE_FACTORS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "256m", "1g", "1.5GB", 268435456 → bytes. Units are binary, as in docker and compose. */
export function parseByteSize(value: unknown, at: string): number {
  const match = typeof value === "string" ? SIZE.exec(value.trim()) : null;
  const bytes =
    typeof value === "number" ? value : match ? Number(match[1]) * (SIZE_FACTORS[match[2]!.toLowerCase()] ?? NaN) : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new TemplateError(`${at} must be a size such as "256m", "1g" or a number of bytes (got ${JSON.stringify(value)}).`);
  }
  return Math.floor(bytes);
}

/** "0.5", 1.5 → nano-CPUs (the Engine API's unit: 1e9 per CPU). */
export function parseNanoCpus(value: unknown, at: string): number {
  const cpus = typeof value === "number" ? value : typeof value === "string" && /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(cpus) || cpus <= 0) {
    throw new TemplateError(`${at} must be a positive number of CPUs such as "0.5" (got ${JSON.stringify(value)}).`);
  }
  return Math.round(cpus * 1e9);
}
