// The portal wired to the real Docker engine, on a PostgreSQL database the test can read too,
// with the locally built tenant images and a port range of its own. Every tenant it creates is
// removed from the engine afterwards.
import path from "node:path";
import Dockerode from "dockerode";
import { openDatabase, type Database } from "../../prisma/database.ts";
import { loadOrCreateKeyFile, SecretBox } from "../../orchestrator/secrets.ts";
import { freePort, postSignup, spawnPortal, startPortal, type Portal } from "./portal.ts";
import { createPostgresDatabase } from "./test-database.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

export const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });

export const LOCAL_IMAGES = {
  TENANT_APP_IMAGE: "tenantry/demo-app:local",
  TENANT_POSTGRES_IMAGE: "tenantry/postgres:15-local",
};

export interface TenantLab {
  portal: Portal;
  db: Database;
  dataDir: string;
  databaseUrl: string;
  env: Record<string, string>;
  /** Unique per lab, so that labs running at once never want the same slug. */
  tag: string;
  stop(): Promise<void>;
}

/**
 * A port range no other lab uses: a block of 100 ports chosen from a free one. `npm test` runs the
 * docker project beside the others (TEST_PORT_LANE=docker|rest): each lane draws from its own half of
 * 20000-42999, so labs of the two lanes never share a block; 43000-48999 is left to the tests that
 * name their range.
 */
export async function freePortRange(size = 100): Promise<{ first: number; last: number }> {
  const lane = process.env.TEST_PORT_LANE;
  const [base, blocks] = lane === "docker" ? [20000, 115] : lane === "rest" ? [31500, 115] : [20000, 230];
  const first = base + ((await freePort()) % blocks) * 100;
  return { first, last: first + size - 1 };
}

async function portRange(size = 100): Promise<string> {
  const { first, last } = await freePortRange(size);
  return `${first}-${last}`;
}

export async function startTenantLab(env: Record<string, string> = {}): Promise<TenantLab> {
  const database = await createPostgresDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), "tenantry-lab-"));
  const tag = Math.random().toString(36).slice(2, 7);
  const labEnv = {
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    TENANT_PORT_RANGE: await portRange(),
    SIGNUP_RATE_LIMIT_PER_HOUR: "1000",
    WORKER: "true",
    // No scheduled tenant backups unless a test asks (they would add jobs to the tenants it counts).
    BACKUP_SCHEDULE: "off",
    ...LOCAL_IMAGES,
    ...env,
  };
  const portal = await startPortal(labEnv);
  const db = await openDatabase({ databaseUrl: database.url, embeddedDir: "unused" });
  return {
    portal,
    db,
    dataDir,
    databaseUrl: database.url,
    env: labEnv,
    tag,
    async stop() {
      await portal.stop();
      const tenants = await db.prisma.tenant.findMany({ select: { id: true } });
      await removeTenantsFromEngine(tenants.map((t) => t.id));
      await db.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs up as a person would (no JavaScript) and returns the tenant's row. */
export async function signUp(lab: TenantLab, company: string, person: { firstName?: string; language?: "en" | "fr" } = {}) {
  const id = Math.random().toString(36).slice(2, 10);
  const response = await postSignup(
    lab.portal.url,
    {
      firstName: person.firstName ?? "Test",
      lastName: "Tenant",
      email: `t.${id}@example.com`,
      company,
      phone: "+33612345678",
      acceptTerms: "on",
      signupKey: `lab-${id}-0123456789abcdef`,
    },
    { "Accept-Language": person.language ?? "en" },
  );
  if (response.status !== 303) throw new Error(`signup answered ${response.status}: ${await response.text()}`);
  const token = response.headers.get("location")!.split("/").pop()!;
  return lab.db.prisma.tenant.findUniqueOrThrow({ where: { statusToken: token } });
}

/** Waits until every given tenant's latest job has ended; returns the tenants with their job. */
export async function waitForJobs(lab: TenantLab, tenantIds: string[], timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tenants = await lab.db.prisma.tenant.findMany({
      where: { id: { in: tenantIds } },
      include: { jobs: { orderBy: { createdAt: "desc" }, take: 1, include: { steps: { orderBy: { position: "asc" } } } }, portLeases: true },
    });
    if (tenants.every((t) => ["succeeded", "failed"].includes(t.jobs[0]?.status ?? ""))) return tenants;
    if (Date.now() > deadline) {
      const states = tenants.map((t) => `${t.slug}: ${t.jobs[0]?.status} (${t.progress ?? ""})`).join("; ");
      throw new Error(`jobs did not end within ${timeoutMs / 1000} s: ${states}\n${lab.portal.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function tenantSecrets(lab: TenantLab, tenantId: string): Promise<Record<string, string>> {
  const box = new SecretBox(await loadOrCreateKeyFile(path.join(lab.dataDir, "secrets.key")));
  const rows = await lab.db.prisma.tenantSecret.findMany({ where: { tenantId } });
  return Object.fromEntries(rows.map((row) => [row.name, box.decrypt(row.ciphertext, `${tenantId}/${row.name}`)]));
}

/** Everything on the engine that carries the tenant's ownership label. */
export async function engineResourcesOf(tenantId: string) {
  const filters = { label: [`io.tenantry.tenant-id=${tenantId}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => ({ name: c.Names[0]!.replace(/^\//, ""), state: c.State, status: c.Status, ports: c.Ports })),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

export async function removeTenantsFromEngine(tenantIds: string[]) {
  for (const tenantId of tenantIds) {
    const filters = { label: [`io.tenantry.tenant-id=${tenantId}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
    for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
  }
}

/** Logs in to a tenant's demo app as a person would, with a form POST on 127.0.0.1. */
export async function logIn(port: number, username: string, password: string) {
  const response = await fetch(`http://127.0.0.1:${port}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }).toString(),
  });
  return { status: response.status, body: await response.text() };
}

export { spawnPortal };
