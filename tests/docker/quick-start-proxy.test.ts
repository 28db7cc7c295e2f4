// Issue 14, must-show 5: the quick start's tenant answers at http://<slug>.localhost:8080/ in
// Chromium and the credentials email gives that address (so do the status page and the console).
// The portal is started the way `npm start` starts it, through scripts/start-caddy.sh (which starts Debian's Caddy on its own admin port, then
// the portal with the proxy settings, and stops Caddy after the portal), with the sources through
// tsx instead of the compiled dist/ (building in a test would rewrite the shared build folders).
// The tenants' port is 8080, as the quick start uses it: a machine where 8080 is taken fails the
// test with a message. Then Ctrl-C (SIGINT to the process group) stops the portal and Caddy, with
// no Caddy left behind, and a restart serves the tenant at once. Cheaper cases: Caddy missing
// (CADDY_PATH pointing nowhere; or not installed, without root) and its port held (by a program, or by another Caddy) start the
// portal on host ports with the one fallback line; a vendor's own TENANT_HOST_PATTERN /
// TENANT_PROXY_LISTEN win over the quick start's.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { createFirstOwner, signInInBrowser } from "../support/console-fixtures.ts";
import { postSignup, repoRoot } from "../support/portal.ts";
import { docker, LOCAL_IMAGES } from "../support/tenant-engine.ts";

const run = promisify(execFile);
const TENANTS_PORT = 8080;

/** Listens on 127.0.0.1:port to see whether it is free; resolves the listening server, or null. */
function holdPort(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

type Holder = { alive(): boolean; release(): Promise<void> };

async function holdWithServer(port: number): Promise<Holder> {
  const server = await holdPort(port);
  if (!server) throw new Error(`port ${port} was taken meanwhile`);
  return { alive: () => server.listening, release: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A Caddy of the test's own (no admin API) serving on 127.0.0.1:port, as a system Caddy would. */
async function holdWithCaddy(port: number): Promise<Holder> {
  const dir = await mkdtemp(path.join(tmpdir(), "tenantry-quick-proxy-holder-"));
  tempDirs.push(dir);
  const config = { admin: { disabled: true }, apps: { http: { servers: { other: { listen: [`127.0.0.1:${port}`], routes: [], automatic_https: { disable: true } } } } } };
  await writeFile(path.join(dir, "caddy.json"), JSON.stringify(config));
  const caddy = spawn(process.env.CADDY_PATH || "caddy", ["run", "--config", path.join(dir, "caddy.json")], {
    env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: path.join(dir, "config"), XDG_DATA_HOME: path.join(dir, "data") },
    stdio: "ignore",
  });
  const deadline = Date.now() + 20_000;
  while (await portIsFree(port)) {
    if (caddy.exitCode !== null || Date.now() > deadline) throw new Error(`the test's own Caddy did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    alive: () => caddy.exitCode === null && caddy.signalCode === null,
    release: async () => {
      if (caddy.exitCode !== null || caddy.signalCode !== null) return;
      const gone = new Promise((resolve) => caddy.once("exit", resolve));
      caddy.kill("SIGKILL");
      await gone;
    },
  };
}

async function portIsFree(port: number): Promise<boolean> {
  const server = await holdPort(port);
  if (!server) return false;
  await new Promise((resolve) => server.close(resolve));
  return true;
}

// Helper C's ports (47800-47899): each test takes the next free one.
let nextPort = 47800 + (process.pid % 20);
async function freePortOfC(): Promise<number> {
  for (; nextPort <= 47899; nextPort++) if (await portIsFree(nextPort)) return nextPort++;
  throw new Error("no free port left in 47800-47899");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type QuickStart = { child: ChildProcess; portalUrl: string; dataDir: string; env: NodeJS.ProcessEnv; output(): string; exited: Promise<number | null> };
const started: QuickStart[] = [];
const tempDirs: string[] = [];
const projects: string[] = [];

/** scripts/start-caddy.sh with the portal as `npm start` runs them, in a process group of their own. */
async function startQuickStart(extra: Record<string, string>, again?: QuickStart): Promise<QuickStart> {
  const dataDir = again?.dataDir ?? (await mkdtemp(path.join(tmpdir(), "tenantry-quick-proxy-")));
  if (!again) tempDirs.push(dataDir);
  const port = await freePortOfC();
  const env: NodeJS.ProcessEnv = again ? { ...again.env, PORT: String(port) } : {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "production",
    DATA_DIR: dataDir,
    PORT: String(port),
    QUICK_START_CADDY_ADMIN: `127.0.0.1:${await freePortOfC()}`,
    // The scheduler's passes are not what this test is about (its reconcile pass would look at
    // every stack of the engine); the worker runs, as in `npm start`.
    SCHEDULER: "false",
    ...LOCAL_IMAGES,
    ...(process.env.CADDY_PATH ? { CADDY_PATH: process.env.CADDY_PATH } : {}),
    ...extra,
  };
  const child = spawn("bash", ["scripts/start-caddy.sh", process.execPath, "--import", "tsx", "app/server.ts"], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const quick: QuickStart = { child, portalUrl: `http://127.0.0.1:${port}`, dataDir, env, output: () => output, exited };
  started.push(quick);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the quick start exited with ${child.exitCode} before the portal answered:\n${output}`);
    if (await fetch(`${quick.portalUrl}/healthz`).then((r) => r.status === 200, () => false)) return quick;
    if (Date.now() > deadline) throw new Error(`the portal did not answer within 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Ctrl-C in the terminal: SIGINT to the whole process group; resolves the exit code. */
async function pressCtrlC(quick: QuickStart): Promise<number | null> {
  process.kill(-quick.child.pid!, "SIGINT");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 40_000));
  const code = await Promise.race([quick.exited, timeout]);
  if (code === "timeout") throw new Error(`the quick start did not stop within 40 s of Ctrl-C:\n${quick.output().slice(-3000)}`);
  return code;
}

async function caddyPidOf(quick: QuickStart): Promise<number> {
  return Number((await readFile(path.join(quick.dataDir, "caddy", "caddy.pid"), "utf8")).trim());
}

/** The portal's "Tenantry is listening" line (JSON): the tenants' address template. */
function tenantsTemplate(quick: QuickStart): string | undefined {
  const line = quick.output().split("\n").find((l) => l.includes('"Tenantry is listening"'));
  return line ? (JSON.parse(line) as { tenants?: string }).tenants : undefined;
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, quick: QuickStart, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${quick.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

afterAll(async () => {
  for (const quick of started) {
    if (quick.child.exitCode === null && quick.child.signalCode === null) {
      try {
        process.kill(-quick.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // A Caddy of this test that outlived its wrapper (a failed run): stopped by its pid.
    const caddyPid = await caddyPidOf(quick).catch(() => 0);
    if (caddyPid > 0 && alive(caddyPid)) process.kill(caddyPid, "SIGKILL");
  }
  for (const project of projects) {
    const filters = { label: [`com.docker.compose.project=${project}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("the quick start's reverse proxy (npm start → scripts/start-caddy.sh)", () => {
  it("without Caddy (CADDY_PATH pointing nowhere) the portal starts on host ports and says so in one line", async () => {
    const quick = await startQuickStart({ CADDY_PATH: "/nonexistent/caddy", WORKER: "false" });
    expect(quick.output()).toContain(
      "start: no reverse proxy: CADDY_PATH=/nonexistent/caddy is not an executable file. Tenants get host ports (http://localhost:<port>/) instead of http://<slug>.localhost:8080/. To fix: point CADDY_PATH at Caddy's binary",
    );
    await until(async () => tenantsTemplate(quick), "the portal's listening line", quick, 10_000);
    expect(tenantsTemplate(quick)).toBe("http://localhost:{port}/");
    // No hostname pattern reached the portal: Caddy's ask endpoint is not served.
    expect((await fetch(`${quick.portalUrl}/_caddy/ask?domain=x.localhost`)).status).toBe(404);
    expect(await pressCtrlC(quick)).toBe(0);
  }, 120_000);

  it("without root and with no caddy on PATH, nothing is installed: the portal command runs without the proxy settings, after the fallback line", async () => {
    // A PATH with the script's tools but no caddy, and the user nobody (setpriv, util-linux).
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-quick-proxy-noroot-"));
    tempDirs.push(dir);
    await mkdir(path.join(dir, "bin"));
    const tools = ["bash", "sh", "node", "realpath", "seq", "sleep", "tr", "grep", "awk", "cat", "rm", "mkdir", "id", "setsid", "tee", "tail", "sed", "dirname", "env"];
    for (const tool of tools) {
      const found = (await run("bash", ["-c", `command -v ${tool}`])).stdout.trim();
      await symlink(found, path.join(dir, "bin", tool));
    }
    await chmod(dir, 0o755);
    const probe = 'echo "portal runs with CADDY_ADMIN_URL=${CADDY_ADMIN_URL:-unset} TENANT_HOST_PATTERN=${TENANT_HOST_PATTERN:-unset}"';
    const { stdout, stderr } = await run(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "env", "-i", `PATH=${dir}/bin`, `HOME=${dir}`, `DATA_DIR=${dir}/data`, "bash", "scripts/start-caddy.sh", "sh", "-c", probe],
      { cwd: repoRoot, timeout: 30_000 },
    );
    expect(stderr).toContain(
      "start: no reverse proxy: Caddy is not installed and installing it needs root. Tenants get host ports (http://localhost:<port>/) instead of http://<slug>.localhost:8080/. To fix: install Debian's caddy (sudo apt-get install caddy",
    );
    expect(stdout).toContain("portal runs with CADDY_ADMIN_URL=unset TENANT_HOST_PATTERN=unset");
  }, 60_000);

  // Another Caddy is the case a start of Caddy would not show: Caddy binds with SO_REUSEPORT, so a
  // second one on the same port starts without an error and the two share the connections.
  it.each(["a program", "another Caddy"] as const)("with the tenants' port held by %s, no Caddy is started: the fallback line names the address and what to do", async (holderKind) => {
    const takenPort = await freePortOfC();
    const holder = holderKind === "a program" ? await holdWithServer(takenPort) : await holdWithCaddy(takenPort);
    try {
      const quick = await startQuickStart({ TENANT_PROXY_LISTEN: `127.0.0.1:${takenPort}`, WORKER: "false" });
      expect(quick.output()).toContain(
        `start: no reverse proxy: an address Caddy needs is in use by another program (127.0.0.1:${takenPort}). Tenants get host ports (http://localhost:<port>/) instead of http://<slug>.localhost:${takenPort}/. To fix: free it (ss -ltnp 'sport = :${takenPort}'`,
      );
      await until(async () => tenantsTemplate(quick), "the portal's listening line", quick, 10_000);
      expect(tenantsTemplate(quick)).toBe("http://localhost:{port}/");
      expect(await caddyPidOf(quick).catch(() => "none")).toBe("none");
      expect(await pressCtrlC(quick)).toBe(0);
      expect(holder.alive()).toBe(true);
    } finally {
      await holder.release();
    }
  }, 120_000);

  it("a vendor's own hostname pattern and tenants' address win over the quick start's", async () => {
    const listenPort = await freePortOfC();
    const quick = await startQuickStart({ TENANT_HOST_PATTERN: "{slug}.vendor.test", TENANT_PROXY_LISTEN: `127.0.0.1:${listenPort}`, WORKER: "false" });
    expect(quick.output()).toContain(`start: Caddy (quick start) runs: tenants answer at http://<slug>.vendor.test:${listenPort}/`);
    await until(async () => tenantsTemplate(quick), "the portal's listening line", quick, 10_000);
    expect(tenantsTemplate(quick)).toBe(`http://{slug}.vendor.test:${listenPort}/`);
    // Caddy holds the vendor's port from its start on.
    expect(await portIsFree(listenPort)).toBe(false);
    const caddyPid = await caddyPidOf(quick);
    expect(await pressCtrlC(quick)).toBe(0);
    expect(alive(caddyPid)).toBe(false);
    expect(await portIsFree(listenPort)).toBe(true);
  }, 120_000);

  describe("on port 8080, as the quick start runs", () => {
    let browser: Browser | undefined;
    afterAll(async () => {
      await browser?.close();
    });

    it("a new tenant answers at http://<slug>.localhost:8080/ in Chromium; the credentials email, the status page and the console give that address; Ctrl-C leaves no Caddy", async () => {
      if (!(await portIsFree(TENANTS_PORT))) {
        throw new Error(
          `Port ${TENANTS_PORT} on 127.0.0.1 is taken: the quick start's tenants answer there, so this test needs it. ` +
            `Stop what holds it (ss -ltnp 'sport = :${TENANTS_PORT}') and run the test again.`,
        );
      }
      const company = `C Quick Proxy ${randomBytes(3).toString("hex")}`;
      const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      projects.push(`client-${slug}`);
      const tenantAddress = `http://${slug}.localhost:${TENANTS_PORT}/`;
      const quick = await startQuickStart({ TENANT_PORT_RANGE: "47850-47899" });
      expect(quick.output()).toContain("start: Caddy (quick start) runs: tenants answer at http://<slug>.localhost:8080/");
      await until(async () => tenantsTemplate(quick), "the portal's listening line", quick, 10_000);
      expect(tenantsTemplate(quick)).toBe("http://{slug}.localhost:8080/");

      const id = randomBytes(4).toString("hex");
      const response = await postSignup(quick.portalUrl, {
        firstName: "Cora",
        lastName: "Proxy",
        email: `c.${id}@example.com`,
        company,
        phone: "+33612345678",
        acceptTerms: "on",
        signupKey: `quick-proxy-${id}-0123456789`,
      });
      expect(response.status).toBe(303);

      // The development mailbox, read as the quick start's user reads it.
      const npm = (...args: string[]) => run("npm", ["run", "--silent", ...args], { cwd: repoRoot, env: quick.env, timeout: 120_000 });
      await until(async () => (await npm("mailbox")).stdout.includes(`Your instance for ${company} is ready`), "the credentials email", quick);
      const email = (await npm("mailbox", "--", "last")).stdout;
      expect(email).toContain(`Subject: Your instance for ${company} is ready`);
      expect(email).toContain(tenantAddress);
      expect(email).not.toMatch(/http:\/\/localhost:\d+\//);

      browser = await launchChromium();
      const page = await browser.newPage();
      const answer = await page.goto(tenantAddress);
      expect(answer?.status()).toBe(200);
      expect(answer?.headers()["server"]).toBe("Caddy");
      expect(await page.locator("h1").first().textContent()).toBe("Sign in / Connexion");
      expect(page.url()).toBe(tenantAddress);

      // The customer's status page gives the same address, and its link opens the tenant's app.
      await page.goto(new URL(response.headers.get("location")!, quick.portalUrl).href);
      const link = page.getByTestId("tenant-address").getByRole("link");
      expect(await link.getAttribute("href")).toBe(tenantAddress);
      await link.click();
      await page.waitForURL(tenantAddress);
      expect(await page.locator("h1").first().textContent()).toBe("Sign in / Connexion");
      await page.close();

      // So does the console's tenant page.
      const owner = { email: `owner.${id}@example.com`, password: `Quick-start owner ${id}!` };
      await createFirstOwner({ url: quick.portalUrl, pid: quick.child.pid!, output: quick.output, stop: async () => {} }, owner);
      const console_ = await signInInBrowser(browser, quick.portalUrl, owner);
      await console_.goto(`${quick.portalUrl}/admin/tenants`);
      await console_.getByRole("link", { name: company }).click();
      await console_.getByTestId("tenant-address").waitFor();
      expect(await console_.getByTestId("tenant-address").getByRole("link").getAttribute("href")).toBe(tenantAddress);
      await console_.context().close();

      const caddyPid = await caddyPidOf(quick);
      expect(alive(caddyPid)).toBe(true);
      expect(await pressCtrlC(quick)).toBe(0);
      expect(alive(caddyPid)).toBe(false);
      expect(await portIsFree(TENANTS_PORT)).toBe(true);

      // `npm start` again on the same data: the tenant answers at once (the scheduler, and so the
      // reconciler, is off here: the route comes from Caddy's saved configuration).
      const again = await startQuickStart({}, quick);
      expect(again.output()).toContain("tenant routes kept from its last run: 1,");
      const back = await browser.newPage();
      expect((await back.goto(tenantAddress))?.status()).toBe(200);
      expect(await back.locator("h1").first().textContent()).toBe("Sign in / Connexion");
      await back.close();
      const secondCaddy = await caddyPidOf(again);
      expect(await pressCtrlC(again)).toBe(0);
      expect(alive(secondCaddy)).toBe(false);
      expect(await portIsFree(TENANTS_PORT)).toBe(true);
    }, 480_000);
  });
});
