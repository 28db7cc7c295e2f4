// `npm run bench:memory`: the portal's resident memory at rest (issue 15: 150 MB or less with a
// PostgreSQL server). Starts, one after the other, the real portal (HTTP, worker and scheduler in
// one process) on a fresh PostgreSQL database, then on the embedded database, then a bare Remix
// page's process (one route served by @remix-run/express, built in a temporary folder with this
// repository's node_modules) for comparison. Each is left to settle once it answers, then the
// VmRSS of the node process itself (/proc/<pid>/status, no npm or tsx wrapper) is sampled a few
// times; the table gives the median and the highest sample in MB. The compiled server (dist/,
// built with `npm run build` if missing) is measured with Node's defaults and with the settings
// the image should use (RECOMMENDED below); the tsx run from source is shown for comparison.
// Options: --settle <seconds> (default 15), --samples <n> (default 5), --only <row name part>.
// PostgreSQL: BENCH_POSTGRES_URL or TEST_POSTGRES_URL (a role that may create databases), else
// scripts/ensure-postgres.sh. Prints figures; asserts nothing.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** What the production image should run the portal with (measured here; see the README, "Memory"). */
export const RECOMMENDED = {
  nodeFlags: ["--max-semi-space-size=1"],
  env: { MALLOC_ARENA_MAX: "2" },
};

interface Options {
  settleSeconds: number;
  samples: number;
  only: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { settleSeconds: 15, samples: 5, only: null };
  for (let i = 0; i < argv.length; i += 1) {
    const value = argv[i + 1];
    if (argv[i] === "--settle" && value) options.settleSeconds = Number(value);
    else if (argv[i] === "--samples" && value) options.samples = Number(value);
    else if (argv[i] === "--only" && value) options.only = value;
    else {
      process.stderr.write(`unknown option ${argv[i]}: use --settle <seconds>, --samples <n>, --only <row name part>\n`);
      process.exit(2);
    }
    i += 1;
  }
  return options;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of one process, in MB, from the kernel's own account. */
async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kb / 1024;
}

interface Row {
  name: string;
  command: string[];
  env: Record<string, string>;
  /** The page that answers 200 once the process is ready. */
  readyPath: string;
  /** Where it runs (default: the repository). */
  cwd?: string;
}

interface Measure {
  name: string;
  medianMb: number;
  maxMb: number;
}

async function measure(row: Row, options: Options): Promise<Measure> {
  const port = await freePort();
  const child = spawn(process.execPath, row.command, {
    cwd: row.cwd ?? repo,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", LOG_LEVEL: "warn", PORT: String(port), ...row.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr!.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${row.name} exited with code ${child.exitCode} before it answered:\n${errors}`);
      if (await fetch(`http://127.0.0.1:${port}${row.readyPath}`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`${row.name} did not answer within 120 s:\n${errors}`);
      await sleep(200);
    }
    await sleep(options.settleSeconds * 1000);
    const samples: number[] = [];
    for (let i = 0; i < options.samples; i += 1) {
      if (i > 0) await sleep(1000);
      samples.push(await residentMb(child.pid!));
    }
    samples.sort((a, b) => a - b);
    return { name: row.name, medianMb: samples[Math.floor(samples.length / 2)]!, maxMb: samples[samples.length - 1]! };
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(killer);
  }
}

/** A fresh database on the PostgreSQL server, dropped afterwards. */
async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  let adminUrl = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
  if (!adminUrl) {
    const ensured = spawnSync("bash", [path.join(repo, "scripts/ensure-postgres.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (ensured.status !== 0) throw new Error("scripts/ensure-postgres.sh failed (see above); or give BENCH_POSTGRES_URL, a role that may create databases");
    adminUrl = ensured.stdout.trim().split("\n").pop()!;
  }
  const name = `tenantry_bench_${randomBytes(5).toString("hex")}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** dist/server.js, built with `npm run build` when missing; null (with the reason) when that fails. */
function compiledServer(): string | null {
  const server = path.join(repo, "dist", "server.js");
  if (existsSync(server)) return server;
  process.stderr.write("dist/server.js is missing: running `npm run build` once\n");
  const built = spawnSync("npm", ["run", "--silent", "build"], { cwd: repo, stdio: "inherit" });
  if (built.status === 0 && existsSync(server)) return server;
  process.stderr.write("npm run build failed: the compiled rows are left out\n");
  return null;
}

/** A minimal Remix v2 app (one route), built with the classic compiler, served by @remix-run/express. */
async function bareRemixApp(): Promise<{ dir: string; server: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "tenantry-bare-remix-"));
  await symlink(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  await mkdir(path.join(dir, "app", "routes"), { recursive: true });
  await writeFile(path.join(dir, "package.json"), JSON.stringify({
      name: "bare-remix",
      private: true,
      type: "module",
      sideEffects: false,
      // What the Remix compiler reads to choose its server runtime; installed: this repository's node_modules.
      dependencies: Object.fromEntries(["@remix-run/node", "@remix-run/react", "@remix-run/express", "express", "react", "react-dom"].map((name) => [name, "*"])),
    }));
  await writeFile(
    path.join(dir, "remix.config.js"),
    `export default { serverModuleFormat: "esm", serverPlatform: "node", future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true, v3_singleFetch: false } };\n`,
  );
  await writeFile(
    path.join(dir, "app", "root.tsx"),
    `import { Links, Meta, Outlet, Scripts } from "@remix-run/react";
export default function App() {
  return (<html lang="en"><head><meta charSet="utf-8" /><Meta /><Links /></head><body><Outlet /><Scripts /></body></html>);
}
`,
  );
  await writeFile(path.join(dir, "app", "routes", "_index.tsx"), `export default function Index() {\n  return <h1>Hello</h1>;\n}\n`);
  await writeFile(
    path.join(dir, "server.mjs"),
    `import express from "express";
import { createRequestHandler } from "@remix-run/express";
const build = await import("./build/index.js");
const app = express();
app.use("/build", express.static("public/build"));
app.all("*", createRequestHandler({ build }));
app.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`,
  );
  const built = spawnSync(process.execPath, [path.join(repo, "node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (built.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`the bare Remix app did not build:\n${built.stdout}\n${built.stderr}`);
  }
  return { dir, server: path.join(dir, "server.mjs"), remove: () => rm(dir, { recursive: true, force: true }) };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const postgres = await freshPostgresDatabase();
  const dataDirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-bench-memory-"));
    dataDirs.push(dir);
    return dir;
  };
  const results: Measure[] = [];
  let bare: Awaited<ReturnType<typeof bareRemixApp>> | undefined;
  try {
    bare = await bareRemixApp();
    const bareServer = bare.server;
    const bareDir = bare.dir;
    // The portal with everything on: HTTP, the worker (it claims nothing while no job is due) and the scheduler.
    const portalEnv = async (database: "postgres" | "embedded", dir?: string) => ({
      DATA_DIR: dir ?? (await dataDir()),
      DATABASE_URL: database === "postgres" ? postgres.url : "",
      WORKER: "true",
      SCHEDULER: "true",
    });
    const compiled = compiledServer();
    const rows: (() => Promise<Row>)[] = [];
    const compiledRow = async (name: string, database: "postgres" | "embedded", recommended: boolean, dir?: string): Promise<Row> => ({
      name,
      command: [...(recommended ? RECOMMENDED.nodeFlags : []), compiled!],
      env: { ...(await portalEnv(database, dir)), ...(recommended ? RECOMMENDED.env : {}) },
      readyPath: "/healthz",
    });
    const sourceRow = async (name: string, database: "postgres" | "embedded"): Promise<Row> => ({
      name,
      command: ["--import", "tsx", path.join(repo, "app/server.ts")],
      env: await portalEnv(database),
      readyPath: "/healthz",
    });
    if (compiled) {
      rows.push(() => compiledRow("portal, PostgreSQL server, compiled, recommended settings", "postgres", true));
      rows.push(() => compiledRow("portal, PostgreSQL server, compiled, Node defaults", "postgres", false));
    }
    rows.push(() => sourceRow("portal, PostgreSQL server, from source with tsx", "postgres"));
    if (compiled) {
      // The first start creates the embedded database (initdb), which leaves more memory in use
      // than a start on an existing one: the portal is then restarted on the same data folder.
      let reused: string | undefined;
      rows.push(async () => compiledRow("portal, embedded database, compiled, recommended settings, first start", "embedded", true, (reused = await dataDir())));
      rows.push(() => compiledRow("portal, embedded database, compiled, recommended settings, restarted", "embedded", true, reused));
      rows.push(() => compiledRow("portal, embedded database, compiled, Node defaults, first start", "embedded", false));
    }
    rows.push(() => sourceRow("portal, embedded database, from source with tsx, first start", "embedded"));
    rows.push(async () => ({ name: "bare Remix page, recommended settings", command: [...RECOMMENDED.nodeFlags, bareServer], env: { ...RECOMMENDED.env }, readyPath: "/", cwd: bareDir }));
    rows.push(async () => ({ name: "bare Remix page, Node defaults", command: [bareServer], env: {}, readyPath: "/", cwd: bareDir }));

    for (const make of rows) {
      const row = await make();
      if (options.only && !row.name.includes(options.only)) continue;
      const measured = await measure(row, options);
      results.push(measured);
      process.stderr.write(`${measured.name}: ${measured.medianMb.toFixed(0)} MB\n`);
    }
  } finally {
    await bare?.remove();
    await postgres.drop().catch(() => undefined);
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  }

  const width = Math.max(...results.map((r) => r.name.length), 7);
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(`\nResident memory (VmRSS) at rest, ${options.settleSeconds} s after the first answer, ${options.samples} samples a second apart`);
  console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; recommended settings: ${[...RECOMMENDED.nodeFlags, ...Object.entries(RECOMMENDED.env).map(([k, v]) => `${k}=${v}`)].join(" ")}\n`);
  console.log(`${"process".padEnd(width)}  median MB  max MB`);
  for (const r of results) console.log(`${r.name.padEnd(width)}  ${r.medianMb.toFixed(0).padStart(9)}  ${r.maxMb.toFixed(0).padStart(6)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:memory failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
