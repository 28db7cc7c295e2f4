// A SQL statement run in a tenant's own database, as the Docker tests write and read a tenant's rows:
// psql as the app's role inside the tenant's postgres container (client-<slug>), through the driver's
// exec. Its output, trimmed and unaligned; a failing statement throws with psql's error.
import type { StackDriver } from "../../orchestrator/driver.ts";

export async function tenantPsql(driver: Pick<StackDriver, "exec">, slug: string, sql: string): Promise<string> {
  const result = await driver.exec(`client-${slug}`, "postgres", {
    command: ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", "app", "-c", sql],
    user: "postgres",
  });
  if (result.exitCode !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim();
}
