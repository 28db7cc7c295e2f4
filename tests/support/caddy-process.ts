// Debian's `caddy` and `pebble` (a real ACME test CA) run as child processes on free loopback
// ports for the HTTPS tests of issue 14 (tests/docker/caddy-tls.test.ts, tests/e2e/caddy-tls.test.ts, doctor.test.ts),
// each with its storage in the test's folder, and an HTTPS GET that verifies the server's
// certificate against one given root only. For the route tests (tests/docker/caddy-routes.test.ts,
// custom-domains*.test.ts): a bare Caddy (its admin address only, on the port the test chose from
// its own range), the hosts of a route as its admin API has them, and a plain HTTP GET with a Host
// header. CADDY_PATH / PEBBLE_PATH name the binaries (npm test's scripts/ensure-*.sh export them);
// otherwise they are looked up on PATH.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { freePort } from "./portal.ts";

export const run = promisify(execFile);
const CADDY = process.env.CADDY_PATH || "caddy";
const PEBBLE = process.env.PEBBLE_PATH || "pebble";

export type Spawned = { child: ChildProcess; output: () => string };

function start(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, { env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

export async function stop(spawned: Spawned | undefined): Promise<void> {
  const child = spawned?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await gone;
}

/** Waits until `probe` resolves true (the process still running), for at most `ms` (30 s). */
export async function waitFor(name: string, spawned: Spawned | undefined, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (spawned && spawned.child.exitCode !== null) throw new Error(`${name} exited with ${spawned.child.exitCode}:\n${spawned.output()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${name} not ready within ${ms / 1000} s${spawned ? `:\n${spawned.output().slice(-3000)}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type HttpsAnswer = { status: number; body: string; issuer: string; subject: string; subjectAltName: string };

/** An HTTPS GET to 127.0.0.1:port for `hostname` (SNI and Host), verified against `ca` only. */
export function httpsGet(port: number, hostname: string, ca: string, urlPath = "/"): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      // No SNI for an IP address (RFC 6066); its certificate is then checked against that address.
      { host: "127.0.0.1", port, path: urlPath, ...(isIP(hostname) ? {} : { servername: hostname }), headers: { Host: hostname }, ca, agent: false, timeout: 60_000 },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, issuer: String(cert.issuer?.CN ?? ""), subject: String(cert.subject?.CN ?? ""), subjectAltName: cert.subjectaltname ?? "" }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from 127.0.0.1:${port} for ${hostname} within 60 s`)));
    req.on("error", reject);
    req.end();
  });
}

export type Pebble = Spawned & { directoryUrl: string; listenerCertFile: string; root: string; rootFile: string };

/** Pebble with a listener certificate made by openssl (Debian ships none); every validation passes. */
export async function startPebble(dir: string): Promise<Pebble> {
  const listenerCertFile = path.join(dir, "pebble-listener.pem");
  const listenerKey = path.join(dir, "pebble-listener.key");
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=Pebble listener (Tenantry test)", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", listenerKey, "-out", listenerCertFile,
  ]);
  const [acmePort, mgmtPort, validationHttp, validationTls] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await writeFile(
    path.join(dir, "pebble.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: listenerCertFile,
        privateKey: listenerKey,
        httpPort: validationHttp,
        tlsPort: validationTls,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  // Every validation passes (no DNS for the test's names here); no random nonce rejections or sleeps.
  const pebble = start(PEBBLE, ["-config", path.join(dir, "pebble.json"), "-strict=false"], {
    PEBBLE_VA_ALWAYS_VALID: "1",
    PEBBLE_VA_NOSLEEP: "1",
    PEBBLE_WFE_NONCEREJECT: "0",
  });
  const listenerCa = await readFile(listenerCertFile, "utf8");
  await waitFor("pebble", pebble, async () => (await httpsGet(mgmtPort, "127.0.0.1", listenerCa, "/roots/0")).status === 200);
  const root = (await httpsGet(mgmtPort, "127.0.0.1", listenerCa, "/roots/0")).body;
  const rootFile = path.join(dir, "pebble-root.pem");
  await writeFile(rootFile, root);
  return { ...pebble, directoryUrl: `https://127.0.0.1:${acmePort}/dir`, listenerCertFile, root, rootFile };
}

export type Caddy = { process: Spawned | undefined; adminUrl: string; httpPort: number; httpsPort: number; start(): Promise<void>; stop(): Promise<void> };

/**
 * Caddy with nothing but its admin address and its HTTP/HTTPS ports (free ones), as after a start
 * on an empty configuration: Tenantry puts the tenants' server in. Storage in `dir`; start() again
 * after stop() is a Caddy restarted empty (its stored certificates kept).
 */
export async function caddyOnFreePorts(dir: string): Promise<Caddy> {
  const [adminPort, httpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const configFile = path.join(dir, "caddy.json");
  await writeFile(configFile, JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } }, apps: { http: { http_port: httpPort, https_port: httpsPort } } }));
  const caddy: Caddy = {
    process: undefined,
    adminUrl,
    httpPort,
    httpsPort,
    async start() {
      caddy.process = start(CADDY, ["run", "--config", configFile], {
        HOME: dir,
        XDG_CONFIG_HOME: path.join(dir, "config"),
        XDG_DATA_HOME: path.join(dir, "data"),
      });
      await waitFor("caddy", caddy.process, () => fetch(`${adminUrl}/config/`).then((r) => r.ok));
    },
    stop: () => stop(caddy.process),
  };
  await caddy.start();
  return caddy;
}

/** The hostnames Caddy holds a certificate for in its storage under `dir` (certificates/<issuer>/<name>/). */
export async function storedCertificateNames(dir: string): Promise<string[]> {
  const root = path.join(dir, "data", "caddy", "certificates");
  const issuers = await readdir(root).catch(() => [] as string[]);
  const names = await Promise.all(issuers.map((issuer) => readdir(path.join(root, issuer))));
  return names.flat().sort();
}

/** Caddy's tls automation (policies, on_demand) as its admin API shows it now. */
export async function tlsAutomation(adminUrl: string): Promise<unknown> {
  const response = await fetch(`${adminUrl}/config/apps/tls/automation`);
  return response.json();
}

export type BareCaddy = { adminUrl: string; output(): string; start(): Promise<void>; stop(): Promise<void> };

/**
 * Caddy started with nothing but its admin address on 127.0.0.1:`adminPort` (no http app at all), as
 * after a start on an empty configuration: Tenantry puts the tenants' server in, on the listen
 * address the test gives the orchestrator. Storage in `dir`; start() again after stop() is a Caddy
 * restarted empty; output() is what the running (or last) process printed.
 */
export async function bareCaddy(dir: string, adminPort: number): Promise<BareCaddy> {
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const configFile = path.join(dir, "caddy.json");
  await writeFile(configFile, JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } } }));
  let process_: Spawned | undefined;
  const caddy: BareCaddy = {
    adminUrl,
    output: () => process_?.output() ?? "",
    async start() {
      process_ = start(CADDY, ["run", "--config", configFile], { HOME: dir, XDG_CONFIG_HOME: path.join(dir, "config"), XDG_DATA_HOME: path.join(dir, "data") });
      await waitFor("caddy", process_, () => fetch(`${adminUrl}/config/`).then((r) => r.ok));
    },
    stop: () => stop(process_),
  };
  await caddy.start();
  return caddy;
}

/** The hostnames the route with this @id matches, as Caddy's admin API has them now. */
export async function routeHosts(adminUrl: string, routeId: string): Promise<string[]> {
  const response = await fetch(`${adminUrl}/id/${routeId}`, { headers: { Connection: "close" } });
  if (response.status !== 200) throw new Error(`Caddy has no route ${routeId}: GET /id/${routeId} answered ${response.status} ${await response.text()}`);
  const route = (await response.json()) as { match: Array<{ host: string[] }> };
  return route.match[0]!.host;
}

export type HttpAnswer = { status: number; type: string; body: string };

/** A plain HTTP GET of / on 127.0.0.1:port with this Host header (the route Caddy picks by it). */
export function httpGetWithHost(port: number, host: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/", headers: { Host: host }, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from 127.0.0.1:${port} for ${host} within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}
