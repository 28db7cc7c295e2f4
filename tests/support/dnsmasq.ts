// A DNS server on loopback for the custom-domain tests (issue 14): Debian's dnsmasq (DNSMASQ_PATH,
// set by scripts/test-all.sh through scripts/ensure-dnsmasq.sh; else dnsmasq on PATH or in
// /usr/sbin) run in the foreground on a free port with only the records a test gives it, so it
// stands in for public DNS. Names under `.test` it does not know get NXDOMAIN (--local=/test/).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import { userInfo } from "node:os";

export type DnsRecords = {
  /** name → target (the target must also be known here, e.g. by a hostRecord: dnsmasq's rule). */
  cnames?: Array<[name: string, target: string]>;
  /** name → address, as A/AAAA records. */
  hostRecords?: Array<[name: string, address: string]>;
};

export type Dnsmasq = { server: string; port: number; stop(): Promise<void>; output(): string };

export function dnsmasqPath(): string {
  if (process.env.DNSMASQ_PATH) return process.env.DNSMASQ_PATH;
  return existsSync("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq";
}

/** Starts dnsmasq on 127.0.0.1 on a port of `range` (the first that binds), answering `records`. */
export async function startDnsmasq(records: DnsRecords, range: { first: number; last: number }): Promise<Dnsmasq> {
  let lastOutput = "";
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = range.first + Math.floor(Math.random() * (range.last - range.first + 1));
    const started = await tryStart(records, port);
    if ("server" in started) return started;
    lastOutput = started.output;
    if (!/Address already in use|failed to create listening socket/i.test(lastOutput)) break;
  }
  throw new Error(`dnsmasq did not start (install Debian's dnsmasq-base: bash scripts/ensure-dnsmasq.sh):\n${lastOutput}`);
}

export type DnsOnOnePort = {
  /** 127.0.0.1:port, the same across restarts: give it to the orchestrator once. */
  readonly server: string;
  /** Restarted on the same port answering `records` instead; null: stopped (a resolver that is down). */
  restartWith(records: DnsRecords | null): Promise<void>;
  stop(): Promise<void>;
};

/**
 * dnsmasq kept on one port of `range` across restarts, so that a test changes what "public DNS"
 * says (a customer's record moved, set back, gone) while the orchestrator keeps asking one server.
 */
export async function dnsmasqOnOnePort(records: DnsRecords, range: { first: number; last: number }): Promise<DnsOnOnePort> {
  let running: Dnsmasq | undefined = await startDnsmasq(records, range);
  const { server, port } = running;
  return {
    server,
    async restartWith(next) {
      await running?.stop();
      running = undefined;
      if (next) running = await startDnsmasq(next, { first: port, last: port });
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}

async function tryStart(records: DnsRecords, port: number): Promise<Dnsmasq | { output: string }> {
  const args = [
    "--keep-in-foreground",
    "--no-resolv",
    "--no-hosts",
    "--listen-address=127.0.0.1",
    "--bind-interfaces",
    `--port=${port}`,
    "--conf-file=/dev/null",
    `--user=${userInfo().username}`,
    "--pid-file=",
    "--log-facility=-",
    "--local=/test/",
    ...(records.hostRecords ?? []).map(([name, address]) => `--host-record=${name},${address}`),
    ...(records.cnames ?? []).map(([name, target]) => `--cname=${name},${target}`),
  ];
  const child: ChildProcess = spawn(dnsmasqPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (error) => (output += `\n${error.message}`));
  const server = `127.0.0.1:${port}`;
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return { output };
    // Any answer (NXDOMAIN included) says it listens.
    const answered = await resolver.resolve4("ready.probe.test").then(
      () => true,
      (error: { code?: string }) => error.code === "ENOTFOUND" || error.code === "ENODATA",
    );
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      return { output: `${output}\n(no answer within 15 s)` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    server,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
