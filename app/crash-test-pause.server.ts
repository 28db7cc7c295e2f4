// For crash and shutdown tests only: TENANTRY_CRASH_TEST_PAUSE="step:ms" makes the worker (the
// portal's or `npm run worker`'s) wait `ms` inside that step, after its work and before it is
// recorded as done, so a test can kill or stop the process at the worst moment. Unset: no hook.
import { setTimeout as sleep } from "node:timers/promises";

export function crashTestPause(value: string | undefined): ((step: string) => Promise<void>) | undefined {
  if (!value) return undefined;
  const separator = value.lastIndexOf(":");
  const step = value.slice(0, separator);
  const ms = Number(value.slice(separator + 1));
  return async (current: string) => {
    if (current !== step) return;
    process.stdout.write(`crash-test pause in step ${step}\n`);
    await sleep(ms);
  };
}
