// The portal's one clock, given to the orchestrator and to every model (services.now). Normally
// the system's time. For tests that move a whole process through weeks (a trial's reminders,
// expiry, termination), TENANTRY_TEST_CLOCK_FILE names a file holding an offset in milliseconds,
// added to the system's time and read again at most every 200 ms: the test rewrites the file and
// every process that shares it moves together. Never set on a real server.
import { readFileSync } from "node:fs";
import { offsetClock, systemClock, type Clock } from "../orchestrator/index.ts";

export function clockFromEnvironment(env: Record<string, string | undefined>): Clock {
  const file = env.TENANTRY_TEST_CLOCK_FILE;
  if (!file) return systemClock;
  let offset = 0;
  let readAt = 0;
  return offsetClock(() => {
    if (Date.now() - readAt > 200) {
      readAt = Date.now();
      try {
        const value = Number(readFileSync(file, "utf8").trim());
        if (Number.isFinite(value)) offset = value;
      } catch {
        // The file may be half-written or gone for a moment: keep the last offset.
      }
    }
    return offset;
  });
}
