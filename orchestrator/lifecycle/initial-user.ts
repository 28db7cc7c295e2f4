// Creates (or resets) the customer's first login in the tenant's own database: username = slug,
// password = the tenant's temporary password, stored as a bcrypt hash. The hash travels on the
// psql process's standard input, never on a command line.
import bcrypt from "bcryptjs";
import { OrchestratorError } from "../errors.ts";
import type { JobContext } from "../jobs/run-job.ts";
import { initialUserStdin, type InitialUserPlan } from "../templates/initial-user.ts";
import type { LifecycleDeps } from "./context.ts";

export async function createInitialUser(
  deps: LifecycleDeps,
  context: JobContext,
  project: string,
  plan: InitialUserPlan,
  password: string,
): Promise<void> {
  const values: Record<string, string> = {};
  for (const parameter of plan.parameters) {
    const raw = parameter.source === "initial-username" ? context.tenant.slug : password;
    values[parameter.name] = parameter.transform ? await bcrypt.hash(raw, parameter.transform.cost) : raw;
    if (parameter.source === "initial-password") context.registerSecret(values[parameter.name]!);
  }
  const result = await deps.driver.exec(project, plan.service, {
    command: plan.command,
    stdin: initialUserStdin(plan, values),
    ...(plan.user ? { user: plan.user } : {}),
  });
  if (result.exitCode !== 0) {
    throw new OrchestratorError(
      `Creating the initial user failed (psql exit code ${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`,
      { transient: false },
    );
  }
}
