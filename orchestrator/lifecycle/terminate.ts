// SKELETON (filled in by the trial-lifecycle work): termination of an expired trial's tenant.
import { OrchestratorError } from "../errors.ts";
import type { JobDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "./context.ts";

export function terminateJob(_deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "not-built",
        run: () => Promise.reject(new OrchestratorError("termination is not built yet", { transient: false })),
      },
    ],
    markFailed: async () => {},
  };
}
