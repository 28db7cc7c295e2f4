// /metrics on the real portal, scraped over HTTP and read with a strict Prometheus text parser.
// A portal on a PostgreSQL database with its worker on and no engine (DOCKER_SOCKET points at
// nothing, so jobs wait): the token is required; a signup over HTTP moves the signup counter and
// the queue gauges; requests are counted by route id, never by raw path. Then a second portal on
// the same database, on the real engine with a tenant image that does not exist, takes the
// waiting job, which fails for good: its job and step counters move, in that process only, while
// both processes read the same tenant and queue figures from the database. Without METRICS_TOKEN,
// /metrics answers loopback connections only, and nothing a proxy relayed.
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSharedDatabase, type SharedDatabase } from "../support/console-fixtures.ts";
import { postSignup, startPortal, type Portal } from "../support/portal.ts";
import { parsePrometheusText, sampleValue, type MetricFamily } from "../support/prometheus-text.ts";
import { formFields } from "../support/signup-fixtures.ts";
import { freePortRange, LOCAL_IMAGES, removeTenantsFromEngine } from "../support/tenant-engine.ts";

const TOKEN = "metrics-test-token-0123456789abcdef";
const bearer = { Authorization: `Bearer ${TOKEN}` };

async function scrape(portal: Portal): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`${portal.url}/metrics`, { headers: bearer });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(await response.text());
}

async function until<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("/metrics with a token, a signup and a job", () => {
  let shared: SharedDatabase;
  let waiting: Portal;
  let engine: Portal | undefined;

  beforeAll(async () => {
    shared = await createSharedDatabase();
    waiting = await startPortal({
      DATABASE_URL: shared.url,
      WORKER: "true",
      DOCKER_SOCKET: "/nonexistent/tenantry-metrics-test.sock",
      METRICS_TOKEN: TOKEN,
      SIGNUP_RATE_LIMIT_PER_HOUR: "1000",
    });
  });
  afterAll(async () => {
    await waiting?.stop();
    await engine?.stop();
    if (shared) {
      const tenants = await shared.db.prisma.tenant.findMany({ select: { id: true } });
      await removeTenantsFromEngine(tenants.map((t) => t.id));
      await shared.dispose();
    }
  });

  it("asks for the bearer token: 401 with WWW-Authenticate without it or with a wrong one", async () => {
    const wrong: Record<string, string>[] = [{}, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: `Basic ${TOKEN}` }];
    for (const headers of wrong) {
      const response = await fetch(`${waiting.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tenantry-metrics"');
      const body = await response.text();
      expect(body).toContain("METRICS_TOKEN");
      expect(body).toContain("jeton");
      expect(body).not.toContain("tenantry_");
    }
    expect((await fetch(`${waiting.url}/metrics`, { method: "POST", headers: bearer })).status).toBe(405);
    const families = await scrape(waiting);
    expect(sampleValue(families, "tenantry_metrics_database_up")).toBe(1);
    expect(families.get("process_resident_memory_bytes")?.type).toBe("gauge");
  });

  it("counts a signup over HTTP and shows its job waiting in the queue", async () => {
    const before = await scrape(waiting);
    expect(sampleValue(before, "tenantry_signups_created_total")).toBe(0);
    expect(sampleValue(before, "tenantry_job_queue_depth", { status: "queued" })).toBe(0);
    expect(sampleValue(before, "tenantry_tenants", { state: "pending" })).toBe(0);

    const response = await postSignup(waiting.url, formFields());
    expect(response.status).toBe(303);
    const statusPage = response.headers.get("location")!;
    expect((await fetch(`${waiting.url}${statusPage}`)).status).toBe(200);
    const refused = await postSignup(waiting.url, formFields({ email: "not-an-address" }));
    expect(refused.status).toBe(400);

    const after = await scrape(waiting);
    expect(sampleValue(after, "tenantry_signups_created_total")).toBe(1);
    expect(sampleValue(after, "tenantry_signups_refused_total", { reason: "invalid" })).toBe(1);
    expect(sampleValue(after, "tenantry_signups_refused_total", { reason: "rate_limited" })).toBe(0);
    expect(sampleValue(after, "tenantry_job_queue_depth", { status: "queued" })).toBe(1);
    expect(sampleValue(after, "tenantry_job_queue_depth", { status: "running" })).toBe(0);
    expect(sampleValue(after, "tenantry_job_queue_oldest_due_seconds")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(after, "tenantry_tenants", { state: "pending" })).toBe(1);
    // No engine here: nothing was claimed, so no job run was counted.
    expect(sampleValue(after, "tenantry_job_runs_total", { kind: "provision", outcome: "failed" })).toBe(0);

    // Requests by route id: the status page's token is not in any label.
    expect(sampleValue(after, "tenantry_http_requests_total", { method: "POST", route: "routes/_index", status: "303" })).toBe(1);
    expect(sampleValue(after, "tenantry_http_requests_total", { method: "POST", route: "routes/_index", status: "400" })).toBe(1);
    expect(sampleValue(after, "tenantry_http_requests_total", { method: "GET", route: "routes/trial.$token", status: "200" })).toBe(1);
    expect(sampleValue(after, "tenantry_http_request_duration_seconds_count", { method: "GET", route: "routes/trial.$token" })).toBe(1);
    const token = statusPage.split("/").at(-1)!;
    const routes = new Set([...after.values()].flatMap((f) => f.samples.map((s) => s.labels.route)).filter(Boolean));
    expect([...routes].some((route) => route!.includes(token))).toBe(false);
    // The scrapes themselves, the 401s included, are counted under one fixed name.
    expect(sampleValue(after, "tenantry_http_requests_total", { method: "GET", route: "metrics", status: "401" })).toBe(3);
  });

  it("counts the job and its steps in the process that ran it, once it failed for good", async () => {
    const job = await shared.db.prisma.provisioningJob.findFirstOrThrow({ where: { kind: "provision" } });
    const { first, last } = await freePortRange();
    // The real engine, with an application image no one built: the job fails for good at once.
    engine = await startPortal({
      DATABASE_URL: shared.url,
      WORKER: "true",
      SCHEDULER: "false",
      METRICS_TOKEN: TOKEN,
      TENANT_PORT_RANGE: `${first}-${last}`,
      ...LOCAL_IMAGES,
      TENANT_APP_IMAGE: "tenantry/metrics-test-missing:none",
    });
    await until("the provisioning job to fail", async () => {
      const row = await shared.db.prisma.provisioningJob.findUniqueOrThrow({ where: { id: job.id } });
      return row.status === "failed" ? row : null;
    });
    const failedStep = await shared.db.prisma.jobStep.findFirstOrThrow({ where: { jobId: job.id, status: "failed" } });

    const ran = await scrape(engine);
    expect(sampleValue(ran, "tenantry_job_runs_total", { kind: "provision", outcome: "failed" })).toBe(1);
    expect(sampleValue(ran, "tenantry_job_runs_total", { kind: "provision", outcome: "succeeded" })).toBe(0);
    expect(sampleValue(ran, "tenantry_job_run_duration_seconds_count", { kind: "provision", outcome: "failed" })).toBe(1);
    expect(
      sampleValue(ran, "tenantry_job_step_duration_seconds_count", { kind: "provision", step: failedStep.name, outcome: "failed" }),
    ).toBe(1);
    expect(sampleValue(ran, "tenantry_job_queue_depth", { status: "queued" })).toBe(0);
    expect(sampleValue(ran, "tenantry_tenants", { state: "failed" })).toBe(1);

    // The other process read the same database, but ran no job.
    const other = await scrape(waiting);
    expect(sampleValue(other, "tenantry_tenants", { state: "failed" })).toBe(1);
    expect(sampleValue(other, "tenantry_job_queue_depth", { status: "queued" })).toBe(0);
    expect(sampleValue(other, "tenantry_job_runs_total", { kind: "provision", outcome: "failed" })).toBe(0);
  });
});

describe("/metrics without a token", () => {
  let portal: Portal;
  beforeAll(async () => {
    // Listening on every address, so that a connection can come from outside loopback.
    portal = await startPortal({ HOST: "0.0.0.0" });
  });
  afterAll(async () => {
    await portal?.stop();
  });

  it("answers a direct loopback connection", async () => {
    const response = await fetch(`${portal.url}/metrics`);
    expect(response.status).toBe(200);
    const families = parsePrometheusText(await response.text());
    expect(sampleValue(families, "tenantry_signups_created_total")).toBe(0);
  });

  it("refuses what came through a proxy, and connections from another address", async () => {
    const relayed = await fetch(`${portal.url}/metrics`, { headers: { "X-Forwarded-For": "203.0.113.7" } });
    expect(relayed.status).toBe(403);
    expect(await relayed.text()).toContain("METRICS_TOKEN");

    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === "IPv4" && !address.internal);
    if (!outside) throw new Error("this machine has no non-loopback IPv4 address to connect from");
    const port = new URL(portal.url).port;
    const remote = await fetch(`http://${outside.address}:${port}/metrics`);
    expect(remote.status).toBe(403);
    const body = await remote.text();
    expect(body).toContain("set it to scrape from another machine");
    expect(body).toContain("définissez-le");
    // The portal itself still answers that address.
    expect((await fetch(`http://${outside.address}:${port}/healthz`)).status).toBe(200);
  });
});
