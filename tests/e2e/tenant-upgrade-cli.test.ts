// `npm run tenant -- upgrade` as an operator runs it, against a PostgreSQL database (the command
// opens it itself): arguments it cannot read get the usage line and exit code 2; what the
// orchestrator refuses (an unknown tenant, a plan with no active tenant, a mistyped image) is
// printed as it is with exit code 1, and no upgrade run is recorded. The run itself, batch by batch,
// is shown on the real engine by tests/docker/tenant-upgrade.test.ts.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { repoRoot } from "../support/portal.ts";

const run = promisify(execFile);
let database: SharedDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createSharedDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-f-upgrade-cli-"));
  env = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", DATABASE_URL: database.url, DATA_DIR: dataDir };
});
afterAll(async () => {
  await database?.dispose();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function tenant(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run("npm", ["run", "--silent", "tenant", "--", ...args], { cwd: repoRoot, env, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );
}

describe("npm run tenant -- upgrade", () => {
  it("answers arguments it cannot read with the usage line (exit 2)", async () => {
    for (const args of [
      ["upgrade", "f-one"],
      ["upgrade", "f-one", "--all", "--image", "vendor/app:2"],
      ["upgrade", "--plan", "--image", "vendor/app:2"],
      ["upgrade", "--all", "--image", "vendor/app:2", "--batch"],
    ]) {
      const result = await tenant(...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("npm run tenant -- upgrade <slug> | --plan <id> | --all --image <ref> [--batch <n>]");
    }
  }, 240_000);

  it("prints the orchestrator's refusals as they are (exit 1), recording no run", async () => {
    const unknown = await tenant("upgrade", "f-no-such-tenant", "--image", "vendor/app:2");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No tenant has the slug "f-no-such-tenant".');
    const empty = await tenant("upgrade", "--plan", "f-empty", "--image", "vendor/app:2", "--batch", "2");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("No active tenant to upgrade to vendor/app:2 (plan:f-empty): none, or all already run it.");
    const mistyped = await tenant("upgrade", "--all", "--image", "Vendor App 2");
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toContain('"Vendor App 2" is not an image reference');
    const batch = await tenant("upgrade", "--all", "--image", "vendor/app:2", "--batch", "0");
    expect(batch.code).toBe(1);
    expect(batch.stderr).toContain("The batch size must be a whole number from 1 to 50 (got 0).");
    expect(await database.db.prisma.upgradeRun.count()).toBe(0);
  }, 240_000);
});
