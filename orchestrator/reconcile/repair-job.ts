// SKELETON (filled in by the reconciliation work): the repair of a tenant whose stack drifted.
import { OrchestratorError } from "../errors.ts";
import type { JobDefinition } from "../jobs/run-job.ts";
import type { LifecycleDeps } from "../lifecycle/context.ts";

export function repairJob(_deps: LifecycleDeps): JobDefinition {
  return {
    steps: [
      {
        name: "not-built",
        run: () => Promise.reject(new OrchestratorError("repair is not built yet", { transient: false })),
      },
    ],
    markFailed: async () => {},
  };
}
