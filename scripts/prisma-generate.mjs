// Generates the Prisma client into prisma/generated (run by `npm install`).
// `prisma generate` does not run Prisma's schema engine, but the CLI insists on locating one and
// would try to download it, which our machines cannot do: any existing file satisfies it, so we
// point it at the Node.js binary itself.
import { spawnSync } from "node:child_process";

const result = spawnSync("npx", ["prisma", "generate", "--schema", "prisma/schema.prisma"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
if (result.status !== 0) {
  console.error("prisma generate failed: see the messages above. Re-run it with `npm run postinstall`.");
  process.exit(result.status ?? 1);
}
