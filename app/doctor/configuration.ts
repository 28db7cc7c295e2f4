// Doctor check: the environment passes loadConfig's validation (app/config.server.ts), whose
// message already names every wrong variable and what it expects. Without a valid configuration
// no other check can run.
import { ConfigError, loadConfig, type AppConfig } from "../config.server";
import { passed, problem, type DoctorCheck } from "./check";

export function checkConfiguration(env: Record<string, string | undefined>): { check: DoctorCheck; config: AppConfig | null } {
  try {
    const config = loadConfig(env);
    return { check: passed("configuration", "every variable is valid"), config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.message.split("\n").slice(1).join("\n");
    return {
      check: problem("configuration", `invalid:\n${lines}`, "Fix the variables listed above (README.md, \"Configuration\"), then run `npm run doctor` again."),
      config: null,
    };
  }
}
