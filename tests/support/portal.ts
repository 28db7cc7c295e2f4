// Starts the real portal (app/server.ts on the Remix build) as a child process on a free port of
// 127.0.0.1, with its own data folder or PostgreSQL database, and stops it afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface Portal {
  url: string;
  /** The portal process's id (its memory is in /proc/<pid>/status). */
  pid: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs app/server.ts with the given environment; resolves once /healthz answers 200. */
export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? (await mkdtemp(path.join(tmpdir(), "tenantry-portal-")));
  const ownsDataDir = env.DATA_DIR === undefined;
  const child = spawnPortal({ PORT: String(port), DATA_DIR: dataDir, ...env });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\nPortal output:\n${child.output()}`);
  }
  return {
    url,
    pid: child.process.pid!,
    output: child.output,
    async stop() {
      await stopChild(child.process);
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function spawnPortal(env: Record<string, string>, entry = "app/server.ts") {
  // node itself with tsx as a loader, not the tsx command: that one runs node as a child, and a
  // SIGKILL sent to it would leave the real process running.
  const process_ = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    // No provisioning worker unless a test asks for one: portal tests must not start stacks.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", LOG_LEVEL: "debug", WORKER: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  process_.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  process_.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => process_.once("exit", (code) => resolve(code)));
  return { process: process_, output: () => output, exited, kill: (signal: NodeJS.Signals) => process_.kill(signal) };
}

async function waitForHealth(url: string, child: ReturnType<typeof spawnPortal>) {
  const deadline = Date.now() + 60_000;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the portal exited with code ${exitCode} before it was healthy`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the portal did not become healthy within 60 s");
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Submits the signup form as a browser without JavaScript would. */
export async function postSignup(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${url}/?index`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The one-time setup token a fresh portal printed in its log (app/boot.server.ts, announceFirstRun). */
export function setupTokenOf(portal: Pick<Portal, "output">): string {
  const tokens = [...portal.output().matchAll(/one-time setup token: ([A-Za-z0-9_-]{32})/g)];
  const token = tokens.at(-1)?.[1];
  if (!token) throw new Error(`the portal printed no setup token; its output:\n${portal.output()}`);
  return token;
}
