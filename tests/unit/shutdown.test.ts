// The shutdown sequence (app/shutdown.server.ts) with a real HTTP server on loopback: a request
// running at the signal is answered, an idle keep-alive connection is closed at once, no new
// connection is accepted, the background loops stop, and only then is the database closed and the
// process told to exit 0. A loop that does not stop by the work deadline is abandoned (exit 0
// still); a database that never closes gets the hard timer's exit 1. Short deadlines are passed in.
import { createServer, request, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../app/logger.server";
import { shutDown, type BackgroundLoop } from "../../app/shutdown.server";

function recordingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const exitCode = () => {
  let resolve: (code: number) => void = () => {};
  const code = new Promise<number>((r) => (resolve = r));
  return { code, exit: (value: number) => resolve(value) };
};

let server: Server | null = null;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A keep-alive connection that has had its answer and now sits idle. */
async function idleKeepAlive(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const answered = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.write("GET /fast HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
  await answered;
  return socket;
}

describe("graceful shutdown", () => {
  it("answers the running request, closes idle connections, stops the loops, then closes the database and exits 0", async () => {
    const release = gate();
    const slowArrived = gate();
    const port = await listen((req, res) => {
      if (req.url === "/slow") {
        slowArrived.open();
        void release.opened.then(() => res.end("done"));
      } else {
        res.end("fast");
      }
    });
    const idle = await idleKeepAlive(port);
    const idleClosed = new Promise<void>((resolve) => idle.once("close", () => resolve()));
    const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ host: "127.0.0.1", port, path: "/slow", agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
        .on("error", reject)
        .end();
    });
    await slowArrived.opened;

    const events: string[] = [];
    const loop = (name: string): BackgroundLoop => ({
      name,
      stop: async () => {
        events.push(`${name} stopping`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name} stopped`);
      },
    });
    const lines: string[] = [];
    const { code, exit } = exitCode();
    void shutDown(
      {
        logger: recordingLogger(lines),
        http: server!,
        loops: [loop("worker"), loop("scheduler")],
        closeDatabase: async () => void events.push("database closed"),
        exit,
        deadlines: { httpMs: 5_000, workMs: 5_000, hardMs: 10_000 },
      },
      "SIGTERM",
    );

    await idleClosed;
    const refused = await new Promise<string>((resolve) => {
      const attempt = connect(port, "127.0.0.1");
      attempt.once("connect", () => {
        attempt.destroy();
        resolve("accepted");
      });
      attempt.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    // The loops have stopped, but the database stays open while a request still runs.
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual(["worker stopping", "scheduler stopping", "worker stopped", "scheduler stopped"]);

    release.open();
    expect(await slow).toEqual({ status: 200, body: "done" });
    expect(await code).toBe(0);
    expect(events.at(-1)).toBe("database closed");
    expect(lines.map((line) => line.split(" {")[0])).toEqual([
      "info shutdown: stopping; no new job, scheduled run or email is claimed from now on",
      "info shutdown: worker stopped",
      "info shutdown: scheduler stopped",
      "info shutdown: HTTP server closed (running requests finished)",
      "info shutdown: database closed",
      "info shutdown: done",
    ]);
  });

  it("abandons a loop still busy at the work deadline and still exits 0", async () => {
    const lines: string[] = [];
    const { code, exit } = exitCode();
    let closed = false;
    void shutDown(
      {
        logger: recordingLogger(lines),
        loops: [{ name: "provisioning worker", stop: () => new Promise<void>(() => {}), describe: () => ({ jobsRunning: 1 }) }],
        closeDatabase: async () => void (closed = true),
        exit,
        deadlines: { httpMs: 5_000, workMs: 100, hardMs: 10_000 },
      },
      "SIGTERM",
    );
    expect(await code).toBe(0);
    expect(closed).toBe(true);
    expect(lines.find((line) => line.startsWith("warn"))).toMatch(/provisioning worker abandoned its work in flight.*"jobsRunning":1/);
  });

  it("exits 1 from the hard timer when something never ends", async () => {
    const lines: string[] = [];
    const { code, exit } = exitCode();
    void shutDown(
      {
        logger: recordingLogger(lines),
        loops: [],
        closeDatabase: () => new Promise<void>(() => {}),
        exit,
        deadlines: { httpMs: 5_000, workMs: 5_000, hardMs: 150 },
      },
      "SIGTERM",
    );
    expect(await code).toBe(1);
    expect(lines.at(-1)).toMatch(/^error shutdown: still not finished; exiting now/);
  });
});
