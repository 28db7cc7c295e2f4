// Signups become tenants through Portainer: the real portal and its worker, configured with
// ORCHESTRATOR_DRIVER=portainer, drive the Portainer double, which deploys on the real Docker
// engine. Covers the whole signup-to-credentials flow, Portainer down when the portal starts,
// a Portainer restart (sessions lost), suspend/resume/destroy with Portainer's semantics, and an
// asynchronous deployment that ends in status 4.
import { createServer, type Server } from "node:net";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/portal.ts";
import { portainerEnv, startDouble, type PortainerDouble } from "../support/portainer-lab.ts";
import { smtpPeer, type SmtpPeer } from "../support/smtp-peer.ts";
import { engineResourcesOf, logIn, signUp, startTenantLab, tenantSecrets, waitForJobs, type TenantLab } from "../support/tenant-engine.ts";

interface ListedStack {
  Id: number;
  Name: string;
  Status: number;
  EndpointId: number;
  CreatedBy: string;
}

/** The stacks as Portainer's own list shows them (GET /api/stacks), not the double's internals. */
async function listStacks(double: PortainerDouble): Promise<ListedStack[]> {
  const response = await fetch(`${double.url}/api/stacks?filters=${encodeURIComponent(JSON.stringify({ EndpointID: 1 }))}`, {
    headers: { "X-API-Key": double.admin.apiKey! },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as ListedStack[];
}

async function runJob(lab: TenantLab, tenantId: string, kind: "suspend" | "resume" | "destroy") {
  await lab.db.prisma.provisioningJob.create({ data: { tenantId, kind, requestedBy: "test" } });
  const [tenant] = await waitForJobs(lab, [tenantId], 120_000);
  expect(tenant!.jobs[0]).toMatchObject({ kind, status: "succeeded" });
  return tenant!;
}

function passwordIn(mail: ParsedMail): string {
  const line = mail.text!.split("\n").find((l) => /^Temporary password/.test(l));
  return line!.slice(line!.indexOf(":") + 1).trim();
}

describe("signup to credentials through Portainer (sync deployments as 2.23-2.39, username and password)", () => {
  let double: PortainerDouble;
  let lab: TenantLab;
  let peer: SmtpPeer;
  let tenants: Awaited<ReturnType<typeof waitForJobs>>;

  beforeAll(async () => {
    double = await startDouble({ mode: "sync" });
    peer = smtpPeer(await freePort());
    await peer.start();
    // Portainer is down when the portal starts.
    await double.stop();
    lab = await startTenantLab({ ...portainerEnv(double, "password"), SMTP_URL: `smtp://127.0.0.1:${peer.port}`, MAIL_FROM: "Acme <cloud@acme.test>" });
  });
  afterAll(async () => {
    await lab?.stop();
    await peer?.stop();
    await double?.stop();
  });

  it("keeps signups waiting while Portainer is down, says why, and provisions them once it is back", async () => {
    const created = await Promise.all(["Alpha", "Bravo"].map((name) => signUp(lab, `${name} ${lab.tag} Portainer`)));
    for (let i = 0; i < 40 && !/no container engine answers/.test(lab.portal.output()); i++) await new Promise((r) => setTimeout(r, 250));
    const output = lab.portal.output();
    expect(output).toMatch(/no container engine answers; provisioning jobs wait in the queue until it does/);
    expect(output).toContain(`portainer at ${double.url} (environment 1)`);
    expect(output).toContain(`Portainer at ${double.url} did not answer while reading Portainer's version (ECONNREFUSED) after 3 attempts`);
    const pending = await lab.db.prisma.tenant.findMany({ where: { id: { in: created.map((t) => t.id) } } });
    expect(pending.map((t) => t.actualState)).toEqual(["pending", "pending"]);

    await double.start();
    tenants = await waitForJobs(lab, created.map((t) => t.id));
    expect(tenants.map((t) => [t.jobs[0]?.status, t.actualState])).toEqual([
      ["succeeded", "active"],
      ["succeeded", "active"],
    ]);
    expect(lab.portal.output()).toMatch(/the container engine answers again; provisioning resumes/);
    expect(lab.portal.output()).toMatch(/"message":"tenants run through Portainer".*"version":"2\.23\.0"/);
  });

  it("shows each tenant as an ordinary stack in Portainer, with healthy containers", async () => {
    const stacks = await listStacks(double);
    for (const tenant of tenants) {
      expect(stacks.filter((s) => s.Name === `client-${tenant.slug}`)).toEqual([
        expect.objectContaining({ Status: 1, EndpointId: 1, CreatedBy: "admin" }),
      ]);
      let resources = await engineResourcesOf(tenant.id);
      for (let i = 0; i < 60 && !resources.containers.every((c) => c.status.includes("(healthy)")); i++) {
        await new Promise((r) => setTimeout(r, 500));
        resources = await engineResourcesOf(tenant.id);
      }
      expect(resources.containers.map((c) => [c.name, c.state, c.status.includes("(healthy)")]).sort()).toEqual([
        [`${tenant.slug}-app`, "running", true],
        [`${tenant.slug}-postgres`, "running", true],
      ]);
      expect(resources.volumes).toEqual([`${tenant.slug}-postgres-data`]);
    }
  });

  it("mails credentials that log in to each tenant's app, with no secret in the portal's logs", async () => {
    for (const tenant of tenants) {
      const customer = await lab.db.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId } });
      const mail = await peer.waitFor(tenants.length).then((all) => all.find((m) => (m.to as { text: string }).text === customer.email)!);
      const password = passwordIn(mail);
      expect(password).toBe((await tenantSecrets(lab, tenant.id)).initial_password);
      expect((await logIn(tenant.portLeases[0]!.port, tenant.slug, password)).status).toBe(200);
    }
    const output = lab.portal.output();
    for (const tenant of tenants) for (const secret of Object.values(await tenantSecrets(lab, tenant.id))) expect(output).not.toContain(secret);
    expect(output).not.toContain(double.admin.password);
  });

  it("suspends, resumes and destroys through Portainer, after a restart that loses its sessions", async () => {
    const [tenant] = tenants;
    const project = `client-${tenant!.slug}`;
    const port = tenant!.portLeases[0]!.port;
    const { initial_password: password } = await tenantSecrets(lab, tenant!.id);
    const loginsBefore = double.logins();
    await double.restart();

    // Suspend is Portainer's stop: compose down, the data volume stays.
    await runJob(lab, tenant!.id, "suspend");
    expect((await listStacks(double)).find((s) => s.Name === project)?.Status).toBe(2);
    expect(await engineResourcesOf(tenant!.id)).toMatchObject({ containers: [], volumes: [`${tenant!.slug}-postgres-data`] });
    expect(double.logins()).toBe(loginsBefore + 1); // one new session after the restart, not one per call

    await runJob(lab, tenant!.id, "resume");
    expect((await listStacks(double)).find((s) => s.Name === project)?.Status).toBe(1);
    expect((await logIn(port, tenant!.slug, password!)).status).toBe(200);

    // Destroy deletes the stack, then the volume Portainer keeps, through its Docker proxy.
    const destroyed = await runJob(lab, tenant!.id, "destroy");
    expect(destroyed.actualState).toBe("destroyed");
    expect((await listStacks(double)).filter((s) => s.Name === project)).toEqual([]);
    expect(await engineResourcesOf(tenant!.id)).toEqual({ containers: [], networks: [], volumes: [] });
    // The other tenant is untouched.
    expect((await listStacks(double)).find((s) => s.Name === `client-${tenants[1]!.slug}`)?.Status).toBe(1);
  });
});

describe("an asynchronous deployment that ends in status 4 (as the newest Portainer, API key)", () => {
  let double: PortainerDouble;
  let lab: TenantLab;
  const squatters: Server[] = [];

  beforeAll(async () => {
    double = await startDouble({ mode: "async" });
    lab = await startTenantLab(portainerEnv(double, "api-key"));
    // Between the port's reservation and the deployment, another program takes the app's port
    // on the host: compose creates the database, then fails to start the app.
    double.beforeComposeUp(async (spec) => {
      if (!spec.project.startsWith(`client-broken-${lab.tag}`)) return;
      const port = spec.services.find((s) => s.name === "app")!.ports[0]!.hostPort;
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      squatters.push(server);
    });
  });
  afterAll(async () => {
    await lab?.stop();
    await double?.settle();
    await double?.stop();
    for (const server of squatters) server.close();
  });

  it("fails the job with Portainer's reason and removes everything the deployment created", async () => {
    const tenant = await signUp(lab, `Broken ${lab.tag}`);
    const [ended] = await waitForJobs(lab, [tenant.id], 120_000);
    const project = `client-${tenant.slug}`;
    expect(squatters).toHaveLength(1);
    expect(ended!.jobs[0]!.status).toBe("failed");
    expect(ended!.jobs[0]!.lastError).toMatch(
      new RegExp(`Portainer could not deploy stack ${project}: a host port is already in use \\(failed to deploy a stack: compose up operation failed: .*address already in use\\)`),
    );
    expect(ended!.actualState).toBe("failed");
    expect(ended!.portLeases).toEqual([]);
    // Portainer answered at once (status 3), then recorded the failure (status 4); the job's
    // compensation deleted the stack and the volume Portainer keeps.
    const creates = double.requests.filter((r) => r.path === "/api/stacks/create/standalone/string");
    expect(creates.map((r) => r.status)).toEqual([200]);
    expect(double.requests.some((r) => r.method === "DELETE" && /^\/api\/stacks\/\d+$/.test(r.path) && r.status === 204)).toBe(true);
    expect(double.requests.some((r) => r.method === "DELETE" && r.path.endsWith(`/docker/volumes/${tenant.slug}-postgres-data`) && r.status === 204)).toBe(true);
    expect((await listStacks(double)).filter((s) => s.Name === project)).toEqual([]);
    expect(await engineResourcesOf(tenant.id)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
