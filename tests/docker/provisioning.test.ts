// Signups become running, isolated tenant stacks on the real Docker engine, through the real
// portal and its in-process worker.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { renderDemoTenant } from "../support/portainer-lab.ts";
import {
  docker,
  engineResourcesOf,
  logIn,
  signUp,
  startTenantLab,
  tenantSecrets,
  waitForJobs,
  type TenantLab,
} from "../support/tenant-engine.ts";

const run = promisify(execFile);

describe("provisioning on the Docker engine", () => {
  let lab: TenantLab;
  let tenants: Awaited<ReturnType<typeof waitForJobs>>;
  const processArguments = new Set<string>();

  beforeAll(async () => {
    lab = await startTenantLab();
    // Every process's argument list, sampled while the stacks are being created.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { stdout } = await run("ps", ["-eww", "-o", "args="]);
        for (const line of stdout.split("\n")) processArguments.add(line);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const created = await Promise.all(
      ["Alpha", "Bravo", "Charlie"].map((name) => signUp(lab, `${name} ${lab.tag} Société`)),
    );
    tenants = await waitForJobs(lab, created.map((t) => t.id));
    sampling = false;
    await sampler;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("makes three running, healthy stacks with their own network, volume and port", async () => {
    expect(tenants.map((t) => [t.jobs[0]?.status, t.actualState])).toEqual([
      ["succeeded", "active"],
      ["succeeded", "active"],
      ["succeeded", "active"],
    ]);
    const ports = new Set<number>();
    for (const tenant of tenants) {
      // The tenant is active once its app answers; Docker's own healthcheck may report a few
      // seconds later (its interval is 5 s).
      let resources = await engineResourcesOf(tenant.id);
      for (let i = 0; i < 60 && !resources.containers.every((c) => c.status.includes("(healthy)")); i++) {
        await new Promise((r) => setTimeout(r, 500));
        resources = await engineResourcesOf(tenant.id);
      }
      expect(resources.containers.map((c) => c.name).sort()).toEqual([`${tenant.slug}-app`, `${tenant.slug}-postgres`]);
      expect(resources.containers.map((c) => [c.state, c.status.includes("(healthy)")])).toEqual([
        ["running", true],
        ["running", true],
      ]);
      expect(resources.networks).toEqual([`${tenant.slug}-network`]);
      expect(resources.volumes).toEqual([`${tenant.slug}-postgres-data`]);
      // Only the app is published, on 127.0.0.1, at the leased port.
      const published = resources.containers.flatMap((c) => c.ports.filter((p) => p.PublicPort).map((p) => ({ name: c.name, ip: p.IP, port: p.PublicPort })));
      expect(published).toEqual([{ name: `${tenant.slug}-app`, ip: "127.0.0.1", port: tenant.portLeases[0]!.port }]);
      ports.add(tenant.portLeases[0]!.port);

      const app = await docker.getContainer(`${tenant.slug}-app`).inspect();
      expect(app.Config.Labels).toMatchObject({
        "com.docker.compose.project": `client-${tenant.slug}`,
        "com.docker.compose.service": "app",
        "io.tenantry.tenant-id": tenant.id,
      });
      expect(app.Config.Labels["io.tenantry.template-hash"]).toMatch(/^[0-9a-f]{64}$/);
      expect(tenant.jobs[0]!.steps.map((s) => s.status).every((s) => s === "succeeded")).toBe(true);
    }
    expect(ports.size).toBe(3);
  });

  it("lets a person log in to each tenant's app with its initial credentials, and no one else", async () => {
    for (const tenant of tenants) {
      const { initial_password: password } = await tenantSecrets(lab, tenant.id);
      const port = tenant.portLeases[0]!.port;
      const ok = await logIn(port, tenant.slug, password!);
      expect(ok.status).toBe(200);
      expect(ok.body).toContain(tenant.slug);
      expect((await logIn(port, tenant.slug, "wrong-password")).status).toBe(401);
      // Another tenant's password does not open this one.
      const other = tenants.find((t) => t.id !== tenant.id)!;
      const { initial_password: otherPassword } = await tenantSecrets(lab, other.id);
      expect((await logIn(port, tenant.slug, otherPassword!)).status).toBe(401);
    }
  });

  it("keeps tenants apart: A's app cannot reach B's PostgreSQL, by name or by address", async () => {
    const [a, b] = tenants;
    const bPostgres = await docker.getContainer(`${b!.slug}-postgres`).inspect();
    const bAddress = Object.values(bPostgres.NetworkSettings.Networks)[0]!.IPAddress;
    const probe = (host: string) =>
      `const s=require('net').connect({host:${JSON.stringify(host)},port:5432,timeout:3000});` +
      `s.on('connect',()=>{console.log('connected');process.exit(0)});` +
      `s.on('timeout',()=>{console.log('timeout');process.exit(1)});s.on('error',e=>{console.log(e.code);process.exit(1)})`;
    const tryFromA = async (host: string) => {
      const result = await run("docker", ["exec", `${a!.slug}-app`, "node", "-e", probe(host)]).catch((e: { stdout: string }) => e);
      return result.stdout.trim();
    };
    expect(await tryFromA(`${a!.slug}-postgres`)).toBe("connected"); // the control: its own database
    expect(await tryFromA(`${b!.slug}-postgres`)).toBe("ENOTFOUND");
    expect(await tryFromA(bAddress)).toBe("timeout");
  });

  it("never shows a generated secret in the portal's logs, a process's arguments or a stored error", async () => {
    const secrets = (await Promise.all(tenants.map((t) => tenantSecrets(lab, t.id)))).flatMap((s) => Object.values(s));
    expect(secrets.length).toBe(9); // database password, app key and initial password, per tenant
    const jobs = await lab.db.prisma.provisioningJob.findMany({ include: { steps: true } });
    const storedErrors = jobs.flatMap((j) => [j.lastError ?? "", ...j.steps.map((s) => s.error ?? "")]).join("\n");
    const logs = lab.portal.output();
    const argv = [...processArguments].join("\n");
    expect(processArguments.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(logs).not.toContain(secret);
      expect(argv).not.toContain(secret);
      expect(storedErrors).not.toContain(secret);
    }
    // The secrets are stored encrypted, never in clear.
    const rows = await lab.db.prisma.tenantSecret.findMany();
    for (const secret of secrets) expect(rows.some((r) => r.ciphertext.includes(secret))).toBe(false);
  });

  it("is a compose project to compose tools: docker-compose -p client-<slug> ps lists its containers", async () => {
    const tenant = tenants[0]!;
    // Compose 1.29 lists the containers of the services its file names: the tenant's file as
    // rendered, less the top-level `name` (newer than 1.29, which takes the project from -p).
    const { stack } = await renderDemoTenant({ slug: tenant.slug, appPort: tenant.portLeases[0]!.port });
    const { name, ...compose1 } = parse(stack.composeText) as Record<string, unknown>;
    expect(name).toBe(`client-${tenant.slug}`);
    const dir = await mkdtemp(path.join(tmpdir(), "tenantry-compose-"));
    try {
      const file = path.join(dir, "docker-compose.yml");
      await writeFile(file, stringify(compose1));
      const { stdout } = await run("docker-compose", ["-p", `client-${tenant.slug}`, "-f", file, "ps"], { cwd: dir });
      expect(stdout).toMatch(new RegExp(`^${tenant.slug}-app\\s.*\\bUp\\b`, "m"));
      expect(stdout).toMatch(new RegExp(`^${tenant.slug}-postgres\\s.*\\bUp\\b`, "m"));
      const services = await run("docker-compose", ["-p", `client-${tenant.slug}`, "-f", file, "ps", "--services", "--filter", "status=running"], { cwd: dir });
      expect(services.stdout.trim().split("\n").sort()).toEqual(["app", "postgres"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows the provisioning steps on the status page", async () => {
    const html = await (await fetch(`${lab.portal.url}/trial/${tenants[0]!.statusToken}`, { headers: { "Accept-Language": "en" } })).text();
    expect(html).toContain('data-state="active"');
    for (const step of ["reserve", "deploy", "create-initial-user", "activate"]) {
      expect(html).toContain(`data-step="${step}" data-status="succeeded"`);
    }
  });
});

describe("a template whose image is missing", () => {
  let lab: TenantLab;
  beforeAll(async () => {
    lab = await startTenantLab({ TENANT_APP_IMAGE: "tenantry/no-such-image:1" });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it("fails the job within its retry budget and leaves nothing of the tenant behind", async () => {
    const started = Date.now();
    const tenant = await signUp(lab, `Missing ${lab.tag}`);
    const [ended] = await waitForJobs(lab, [tenant.id], 120_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(ended!.jobs[0]!.status).toBe("failed");
    expect(ended!.jobs[0]!.lastError).toMatch(/Image tenantry\/no-such-image:1 is not available/);
    // The job's row ends before the failure mark on the tenant (its own transaction): wait for it.
    let tenantRow = await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    for (let i = 0; i < 100 && tenantRow.actualState !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      tenantRow = await lab.db.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    }
    expect(tenantRow.actualState).toBe("failed");
    expect(tenantRow.progress).toMatch(/no-such-image/);
    expect(ended!.portLeases).toEqual([]);
    expect(await engineResourcesOf(tenant.id)).toEqual({ containers: [], networks: [], volumes: [] });
    const audit = await lab.db.prisma.auditLog.findFirst({ where: { tenantId: tenant.id, action: "tenant.provisioning_failed" } });
    expect(audit?.outcome).toBe("failed");
  });
});
