// Provisioning benchmarks against the real Docker engine (run `npm test` or `npm start` once first,
// so the engine runs and the local images exist). Prints figures; asserts nothing.
//
//   npm run bench:provision -- 5    N tenants one after another: signup-to-ready time (min, median,
//                                    max) beside the same stack made by plain-docker-stack.sh
//   npm run bench:burst -- 10       M signups at once: time until all are ready
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Dockerode from "dockerode";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../..", import.meta.url));
const docker = new Dockerode({ socketPath: process.env.DOCKER_SOCKET ?? "/var/run/docker.sock" });
const images = {
  TENANT_APP_IMAGE: process.env.TENANT_APP_IMAGE ?? "tenantry/demo-app:local",
  TENANT_POSTGRES_IMAGE: process.env.TENANT_POSTGRES_IMAGE ?? "tenantry/postgres:15-local",
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPortal(concurrency: number) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-bench-"));
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "app/server.ts"], {
    cwd: repo,
    env: {
      ...process.env,
      ...images,
      PORT: String(port),
      DATA_DIR: dataDir,
      TENANT_PORT_RANGE: "26000-26999",
      SIGNUP_RATE_LIMIT_PER_HOUR: "100000",
      PROVISIONING_CONCURRENCY: String(concurrency),
      WORKER: "true",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error("the portal did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let signups = 0;
async function signUp(url: string): Promise<string> {
  const n = ++signups;
  const response = await fetch(`${url}/?index`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      firstName: "Bench",
      lastName: "Mark",
      email: `bench${n}.${Date.now()}@example.com`,
      company: `Bench ${process.pid} ${n}`,
      phone: "+33612345678",
      acceptTerms: "on",
      signupKey: `bench-${process.pid}-${n}-${Date.now()}`,
    }).toString(),
  });
  if (response.status !== 303) throw new Error(`signup answered ${response.status}`);
  return response.headers.get("location")!;
}

/** Polls the customer's status page until the tenant is active; returns its slug. */
async function waitUntilActive(url: string, statusPath: string): Promise<string> {
  for (;;) {
    const html = await (await fetch(`${url}${statusPath}`)).text();
    const state = /data-state="([a-z]+)"/.exec(html)?.[1];
    if (state === "active") return /data-testid="slug">([^<]+)</.exec(html)![1]!;
    if (state === "failed") throw new Error(`provisioning failed: ${statusPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function removeStacks(slugs: string[]) {
  for (const slug of slugs) {
    const filters = { label: [`com.docker.compose.project=client-${slug}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
  }
}

function summary(seconds: number[]) {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}
const fmt = (s: number) => `${s.toFixed(2)} s`;

async function sequential(n: number) {
  const portal = await startPortal(2);
  const tenantry: number[] = [];
  const slugs: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const statusPath = await signUp(portal.url);
      slugs.push(await waitUntilActive(portal.url, statusPath));
      tenantry.push((performance.now() - started) / 1000);
    }
  } finally {
    await portal.stop();
    await removeStacks(slugs);
  }
  const plain: number[] = [];
  for (let i = 0; i < n; i++) {
    const { stdout } = await run("bash", [path.join(repo, "scripts/bench/plain-docker-stack.sh"), `bench-plain-${i}`, String(await freePort())], {
      env: { ...process.env, ...images },
    });
    plain.push(Number(stdout.trim()));
  }
  const a = summary(tenantry);
  const b = summary(plain);
  console.log(`provisioning, ${n} tenants one after another (signup to ready):`);
  console.log(`  tenantry      min ${fmt(a.min)}  median ${fmt(a.median)}  max ${fmt(a.max)}`);
  console.log(`  plain docker  min ${fmt(b.min)}  median ${fmt(b.median)}  max ${fmt(b.max)}`);
  console.log(`  ratio of medians (tenantry / plain docker): ${(a.median / b.median).toFixed(2)}`);
}

async function burst(m: number) {
  const portal = await startPortal(2);
  const slugs: string[] = [];
  try {
    const started = performance.now();
    const statusPaths = await Promise.all(Array.from({ length: m }, () => signUp(portal.url)));
    const each = await Promise.all(
      statusPaths.map(async (statusPath) => {
        slugs.push(await waitUntilActive(portal.url, statusPath));
        return (performance.now() - started) / 1000;
      }),
    );
    const s = summary(each);
    console.log(`provisioning, ${m} signups at once (PROVISIONING_CONCURRENCY=2):`);
    console.log(`  all ready after ${fmt(s.max)}; per tenant: min ${fmt(s.min)}  median ${fmt(s.median)}`);
  } finally {
    await portal.stop();
    await removeStacks(slugs);
  }
}

const [mode, countText] = process.argv.slice(2);
const count = Number(countText ?? (mode === "burst" ? 10 : 5));
if (!["sequential", "burst"].includes(mode ?? "") || !Number.isInteger(count) || count < 1) {
  console.error("usage: provisioning.ts sequential|burst COUNT");
  process.exit(2);
}
await (mode === "burst" ? burst(count) : sequential(count));
