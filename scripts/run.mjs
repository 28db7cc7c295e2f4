// Runs one of the portal's processes for the npm scripts, compiled or from source:
//   node scripts/run.mjs app/doctor-cli.ts [arguments…]
// With TENANTRY_COMPILED=1 (set by the Dockerfile) it runs dist/doctor-cli.js, compiled by
// `npm run build` (scripts/build-server.mjs): the image has no TypeScript transpiler. Otherwise it
// runs the TypeScript source through tsx (a checkout, the tests). Either way the program runs in
// this same process (no child to forward signals to) and sees its own path and arguments in
// process.argv, as if it had been started directly.
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [source, ...args] = process.argv.slice(2);
if (!source || !source.endsWith(".ts")) {
  console.error("usage: node scripts/run.mjs <source file .ts> [arguments…], e.g. node scripts/run.mjs app/server.ts");
  process.exit(2);
}

let target;
if (process.env.TENANTRY_COMPILED === "1") {
  target = path.resolve("dist", `${path.basename(source, ".ts")}.js`);
  if (!existsSync(target)) {
    console.error(
      `${path.relative(process.cwd(), target)} does not exist: this command is not part of the compiled build. ` +
        "Run `npm run build` (it compiles app/server.ts, app/worker.ts, app/mailbox.ts, app/*-cli.ts and prisma/migrate-cli.ts), " +
        "or run it from a checkout with its development dependencies, without TENANTRY_COMPILED=1.",
    );
    process.exit(2);
  }
} else {
  target = path.resolve(source);
  if (!existsSync(target)) {
    console.error(`${source} does not exist (run the npm scripts from the project's root folder).`);
    process.exit(2);
  }
  // tsx's loader, registered for the imports that follow (the same as `node --import tsx`).
  try {
    await import("tsx");
  } catch {
    console.error(
      "tsx is missing, so the TypeScript sources cannot run: run `npm install` (with the development dependencies), " +
        "or, in the production image, set TENANTRY_COMPILED=1 to run the compiled dist/ files.",
    );
    process.exit(2);
  }
}

process.argv = [process.argv[0], target, ...args];
await import(pathToFileURL(target).href);
