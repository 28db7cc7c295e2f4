// `npm run bench:tenant-list -- 10000`: seeds that many tenants into a fresh embedded database,
// starts the portal on it and times the admin tenants list (first page, a search, filters with a
// sort, a deep page) over HTTP, as the browser asks for it. Prints figures; asserts nothing.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../prisma/database.ts";
import { createAdmin } from "../../app/models/admin-auth.server.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const count = Number(process.argv[2] ?? 10_000);
const STATES = ["active", "active", "active", "suspended", "failed", "pending"] as const;

async function seed(dataDir: string) {
  const db = await openDatabase({ embeddedDir: path.join(dataDir, "pglite") });
  await db.migrate();
  const started = performance.now();
  for (let offset = 0; offset < count; offset += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - offset) }, (_, i) => offset + i);
    await db.prisma.customer.createMany({
      data: batch.map((n) => ({ id: `c${n}`, email: `owner${n}@company${n}.example`, firstName: "Bench", lastName: `N${n}`, company: `Company ${n} ${n % 7 === 0 ? "Logistique" : "Services"}`, phone: "+33612345678" })),
    });
    await db.prisma.subscription.createMany({
      data: batch.map((n) => ({ id: `s${n}`, customerId: `c${n}`, plan: n % 5 === 0 ? "pro" : "trial", status: n % 5 === 0 ? "active" : "trialing", trialEndsAt: new Date(Date.now() + (n % 30) * 86_400_000) })),
    });
    await db.prisma.tenant.createMany({
      data: batch.map((n) => ({ id: `t${n}`, slug: `company-${n}`, customerId: `c${n}`, subscriptionId: `s${n}`, statusToken: `token-${n}`, actualState: STATES[n % STATES.length], createdAt: new Date(Date.now() - n * 60_000) })),
    });
  }
  await createAdmin(db.prisma, "bench@vendor.test", "benchmark password", "viewer");
  await db.close();
  return (performance.now() - started) / 1000;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-list-bench-"));
const seconds = await seed(dataDir);
const port = await freePort();
const portal = spawn(process.execPath, ["--import", "tsx", "app/server.ts"], {
  cwd: repo,
  env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, WORKER: "false", LOG_LEVEL: "warn", DATABASE_URL: "" },
  stdio: ["ignore", "ignore", "inherit"],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; !(await fetch(`${url}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (i > 300) throw new Error("the portal did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  const login = await fetch(`${url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email: "bench@vendor.test", password: "benchmark password" }).toString(),
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  console.log(`tenants list with ${count} tenants (seeded in ${seconds.toFixed(1)} s, embedded database):`);
  const pages = {
    "first page": "/admin/tenants",
    "search 'logistique'": "/admin/tenants?q=logistique",
    "state=active, plan=pro, sort=company": "/admin/tenants?state=active&plan=pro&sort=company",
    "page 150": "/admin/tenants?page=150",
  };
  for (const [name, pathAndQuery] of Object.entries(pages)) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const response = await fetch(`${url}${pathAndQuery}`, { headers: { Cookie: cookie } });
      await response.text();
      if (response.status !== 200) throw new Error(`${pathAndQuery} answered ${response.status}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(40)} median ${times[3]!.toFixed(0)} ms, worst ${times[6]!.toFixed(0)} ms (7 requests, whole HTML page)`);
  }
} finally {
  portal.kill("SIGTERM");
  await new Promise((r) => portal.once("exit", r));
  await rm(dataDir, { recursive: true, force: true });
}
