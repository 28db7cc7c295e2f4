// The HTTP edge of the real portal process (app/server.ts, app/http/): one body limit for every
// request before Remix reads it, forms posted from other sites refused, and the client address
// taken from X-Forwarded-For only as far as TRUST_PROXY says. Raw node:http requests, so that the
// body can be sent chunked or with a declared length, and the answer seen while it is still sent.
import { readFile } from "node:fs/promises";
import http from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formFields as person } from "../support/signup-fixtures.ts";
import { createPostgresDatabase } from "../support/test-database.ts";
import { postSignup, spawnPortal, freePort, startPortal, type Portal } from "../support/portal.ts";

const MB = 1024 * 1024;

interface Upload {
  status: number;
  /** Milliseconds from the first byte sent to the answer's status line. */
  answeredAfterMs: number;
  bytesSent: number;
  connectionHeader: string | undefined;
  /** Whether the server closed the connection within 2 s of answering. */
  closed: boolean;
  body: string;
}

/** POSTs `size` bytes of form-like data to `path`, chunked or with a Content-Length, stopping once answered. */
function upload(url: string, path: string, size: number, mode: "chunked" | "declared", headers: Record<string, string> = {}): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let bytesSent = 0;
    let answered = false;
    let closed = false;
    const request = http.request(`${url}${path}`, {
      method: "POST",
      agent: false,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        ...(mode === "declared" ? { "Content-Length": String(size) } : { "Transfer-Encoding": "chunked" }),
        ...headers,
      },
    });
    request.on("socket", (socket) => socket.on("close", () => (closed = true)));
    request.on("error", (error) => {
      if (!answered) reject(error); // once answered, a reset of the rest of the upload is expected
    });
    request.on("response", (response) => {
      answered = true;
      const answeredAfterMs = Date.now() - started;
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("error", () => {});
      const finish = () => {
        const deadline = Date.now() + 2_000;
        const wait = () => {
          if (closed || Date.now() > deadline) {
            resolve({ status: response.statusCode!, answeredAfterMs, bytesSent, connectionHeader: response.headers.connection, closed, body });
          } else setTimeout(wait, 20);
        };
        wait();
      };
      response.on("end", finish);
      response.on("close", finish);
    });
    const chunk = Buffer.alloc(64 * 1024, "a");
    const writeMore = () => {
      while (!answered && !request.destroyed && bytesSent < size) {
        const piece = bytesSent + chunk.length <= size ? chunk : chunk.subarray(0, size - bytesSent);
        bytesSent += piece.length;
        if (!request.write(piece)) {
          request.once("drain", writeMore);
          return;
        }
      }
      if (!answered && !request.destroyed && bytesSent >= size) request.end();
    };
    writeMore();
  });
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

/** Samples the process's resident memory every 10 ms while `work` runs; returns its peak. */
async function peakResidentDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = await residentBytes(pid);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await residentBytes(pid));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    const result = await work();
    return { result, peak };
  } finally {
    running = false;
    await sampler;
  }
}

describe("one body limit for every request", () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "1000" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  const routes = ["/?index", "/admin/login", "/admin/setup", "/admin/tenants/00000000-0000-0000-0000-000000000000", "/lang/fr"];

  it.each(routes.flatMap((route) => (["chunked", "declared"] as const).map((mode) => [route, mode] as const)))(
    "answers a 50 MB body to %s (%s) with 413 within 1 s, closes the connection, and keeps memory flat",
    async (route, mode) => {
      // Warm up the route once, so that what is measured is the body and not the first render.
      await fetch(`${portal.url}${route}`, { method: "POST", body: "a=1", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      const before = await residentBytes(portal.pid);
      const { result, peak } = await peakResidentDuring(portal.pid, () => upload(portal.url, route, 50 * MB, mode, { "Accept-Language": "fr" }));
      expect(result.status).toBe(413);
      expect(result.answeredAfterMs).toBeLessThan(1_000);
      expect(result.connectionHeader).toBe("close");
      expect(result.closed).toBe(true);
      expect(result.body).toContain("Envoi trop volumineux");
      expect(peak - before).toBeLessThan(50 * MB);
    },
  );

  it("still serves every request after the refusals, and takes a form under the limit", async () => {
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    expect((await postSignup(portal.url, person())).status).toBe(303);
    // A form of 60 kB (under the 64 kB default) reaches the form's own rules; 70 kB does not.
    const long = await postSignup(portal.url, person({ company: "x".repeat(60_000) }), { "Accept-Language": "en" });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("This is too long");
    expect((await postSignup(portal.url, person({ company: "x".repeat(70_000) }))).status).toBe(413);
    const chunkedUnder = await upload(portal.url, "/?index", 10_000, "chunked");
    expect(chunkedUnder.status).toBe(400);
  });
});

describe("forms posted from another site", () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "1000" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  const post = (path: string, headers: Record<string, string>, fields: Record<string, string> = person()) =>
    fetch(`${portal.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    });

  it.each(["/?index", "/admin/login", "/admin/setup", "/admin/logout"])("refuses a POST to %s whose Origin is another site, in the user's language", async (path) => {
    const en = await post(path, { Origin: "https://evil.example", "Accept-Language": "en" });
    expect(en.status).toBe(403);
    expect(await en.text()).toContain("This form was sent from another website, so it was refused.");
    const fr = await post(path, { Origin: "null", "Accept-Language": "fr" });
    expect(fr.status).toBe(403);
    expect(await fr.text()).toContain("Ce formulaire a été envoyé depuis un autre site web");
    const noOrigin = await post(path, { "Sec-Fetch-Site": "cross-site" });
    expect(noOrigin.status).toBe(403);
  });

  it("takes a POST from its own pages, and one without Origin (curl, scripts)", async () => {
    const own = await post("/?index", { Origin: portal.url, "Sec-Fetch-Site": "same-origin" });
    expect(own.status).toBe(303);
    const script = await post("/?index", {});
    expect(script.status).toBe(303);
    // Another port of the same host is another origin.
    const otherPort = await post("/?index", { Origin: "http://127.0.0.1:1" });
    expect(otherPort.status).toBe(403);
  });

  it("does not believe X-Forwarded-Host from an address TRUST_PROXY does not trust", async () => {
    const forged = await post("/?index", { Origin: "https://evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" });
    expect(forged.status).toBe(403);
  });
});

describe("TRUST_PROXY", () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function consentAddresses(): Promise<string[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(`SELECT ip FROM "Consent" ORDER BY "acceptedAt"`)).rows.map((row: { ip: string }) => row.ip);
    } finally {
      await client.end();
    }
  }

  // The test plays nginx on 127.0.0.1: it appends the address it saw (127.0.0.40) to what the
  // client wrote (192.0.2.N, a new one each time).
  it.each(["1", "127.0.0.1"])(
    "with TRUST_PROXY=%s the client address is the one the proxy saw: no limit bypass, no forged consent",
    async (trustProxy) => {
      await database.drop();
      database = await createPostgresDatabase();
      const portal = await startPortal({ DATABASE_URL: database.url, TRUST_PROXY: trustProxy, SIGNUP_RATE_LIMIT_PER_HOUR: "2" });
      try {
        const statuses: number[] = [];
        for (let n = 1; n <= 4; n++) {
          const response = await postSignup(portal.url, person(), { "X-Forwarded-For": `192.0.2.${n}, 127.0.0.40` });
          statuses.push(response.status);
        }
        expect(statuses).toEqual([303, 303, 429, 429]);
        expect(await consentAddresses()).toEqual(["127.0.0.40", "127.0.0.40"]);

        // Behind the trusted proxy, the Origin check compares with the host the proxy was asked for.
        const proxied = await postSignup(portal.url, person(), {
          "X-Forwarded-For": "198.51.100.9",
          "X-Forwarded-Host": "portal.example",
          "X-Forwarded-Proto": "https",
          Origin: "https://portal.example",
        });
        expect(proxied.status).toBe(303);
      } finally {
        await portal.stop();
      }
    },
  );

  it("refuses TRUST_PROXY=true at boot and says what to write instead", async () => {
    const child = spawnPortal({ PORT: String(await freePort()), TRUST_PROXY: "true" });
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/TRUST_PROXY: "true" is no longer accepted: it trusted the X-Forwarded-For entry the client writes itself; write the number of reverse proxies in front of the portal \(1 for one nginx\)/);
  });
});
