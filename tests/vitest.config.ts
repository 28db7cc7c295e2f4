import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

// Projects: pure unit tests; the database tests twice, against a real PostgreSQL server and
// against the embedded PGlite; the orchestrator against the real Docker engine; and end-to-end
// tests that start the real portal (HTTP and Chromium).
export default defineConfig({
  root,
  resolve: { alias: { "~": `${root}app` } },
  test: {
    setupFiles: [`${root}tests/support/console-guard.ts`],
    // npm test runs two lanes at once (scripts/test-all.sh), each with its own report file.
    reporters: ["default", ["json", { outputFile: `${root}test-results/${process.env.TEST_REPORT_NAME ?? "vitest"}.json` }]],
    projects: [
      { extends: true, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "db-postgres",
          include: ["tests/db/**/*.test.ts"],
          env: { TEST_DB_KIND: "postgres" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "db-embedded",
          include: ["tests/db/**/*.test.ts"],
          env: { TEST_DB_KIND: "embedded" },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Against the real Docker engine started by `npm test` (scripts/docker/ensure-engine.sh).
          name: "docker",
          include: ["tests/docker/**/*.test.ts"],
          // One file at a time: two files provisioning stacks at once on 2 cores (the burst test
          // makes 20) would turn each other's waits into timeouts.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
