// Compiles the portal's processes ahead of time into dist/ (run by `npm run build`, after
// `remix build`), so a production image runs plain JavaScript with no TypeScript transpiler:
//   app/server.ts, app/worker.ts, app/mailbox.ts, every app/*-cli.ts, prisma/migrate-cli.ts
//   → dist/<name>.js (ES modules for Node 20; source maps beside them)
// Our own code (app/, orchestrator/, prisma/ and the generated Prisma client, which is TypeScript)
// is bundled; packages stay imports of node_modules, resolved at run time. The migrations are
// copied to dist/migrations, where prisma/migrate.ts looks for them (next to the running module).
// scripts/run.mjs runs these files when TENANTRY_COMPILED=1 (the image), the sources otherwise.
import { cp, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist");

/** Every process a user or the image starts: the same list scripts/run.mjs maps to dist/. */
async function entryPoints() {
  const cliFiles = (await readdir(path.join(root, "app"))).filter((name) => name.endsWith("-cli.ts")).sort();
  const entries = ["app/server.ts", "app/worker.ts", "app/mailbox.ts", ...cliFiles.map((name) => `app/${name}`), "prisma/migrate-cli.ts"];
  const names = new Map();
  for (const entry of entries) {
    const name = path.basename(entry, ".ts");
    if (names.has(name)) throw new Error(`${entry} and ${names.get(name)} would both compile to dist/${name}.js: rename one of them`);
    names.set(name, entry);
  }
  return Object.fromEntries([...names].map(([name, entry]) => [name, path.join(root, entry)]));
}

// A bare specifier (a package, `node:` built-ins included) stays an import resolved from
// node_modules at run time; relative paths and the `~/` alias (tsconfig paths) are bundled.
const packagesExternal = {
  name: "packages-external",
  setup(builder) {
    builder.onResolve({ filter: /^[^./~]/ }, (args) => (path.isAbsolute(args.path) ? undefined : { path: args.path, external: true }));
  },
};

const started = Date.now();
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: await entryPoints(),
  outdir,
  bundle: true,
  // Code shared by the entries (config, database, orchestrator) is one chunk, not one copy each.
  // Chunks stay in dist/ itself: a module's import.meta.url must name dist/ wherever esbuild puts
  // its code (prisma/migrate.ts finds dist/migrations from it).
  splitting: true,
  chunkNames: "chunk-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  tsconfig: path.join(root, "tsconfig.json"),
  plugins: [packagesExternal],
  logLevel: "warning",
  metafile: true,
});
await cp(path.join(root, "prisma", "migrations"), path.join(outdir, "migrations"), { recursive: true });
const entries = Object.values(result.metafile.outputs).filter((output) => output.entryPoint).length;
console.log(`build-server: ${entries} entry points compiled to dist/ in ${Date.now() - started} ms`);
