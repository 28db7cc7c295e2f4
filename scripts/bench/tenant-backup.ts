// `npm run bench:backup`: tenant backup and restore throughput (issue 13, must-show 5), on the real
// Docker engine, beside a plain `pg_dump | gzip` of the same database. Prints figures; asserts nothing.
//
// In this one process, wired as the portal wires it: the orchestrator on the Docker socket with the
// demo template (locally built images), a portal database (a fresh one on BENCH_POSTGRES_URL or
// TEST_POSTGRES_URL, else the embedded database), its worker running the jobs. One tenant ("G Bench
// …", slug g-bench-…) signs up and is provisioned; its database is filled to BENCH_DB_MB (default
// 200) with invoice-like rows (generate_series inserts through psql as the container's postgres
// user). Then, timed from the jobs' own step records:
//   backup            the real backup job (row counts, dump streamed through gzip and AES-256-GCM)
//   restore in place  the real restore job (verify the file, pre-restore backup, load, health, counts)
//   plain dump        docker exec <db> pg_dump … | gzip > file   (the same dump options as the template)
//   plain load        gunzip -c file | docker exec -i <db> psql   (into a scratch database beside it)
// MB/s are of the database's size (pg_database_size). The memory of this process while it streams
// is sampled (VmRSS) and its peak read from the kernel (VmHWM, reset before each job where the
// kernel allows it): the dump must flow through, never be held whole. Everything it made (stack,
// portal database, files) is removed at the end, also on failure.
//   BENCH_DB_MB=200  BENCH_PORT_RANGE=48400-48499  TENANT_APP_IMAGE / TENANT_POSTGRES_IMAGE
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import pg from "pg";
import { registerTrialSignup } from "../../app/models/signup.server.ts";
import { createDockerDriver } from "../../orchestrator/docker/driver.ts";
import { createOrchestrator, requestTenantBackup, requestTenantRestore, systemClock, waitForJob } from "../../orchestrator/index.ts";
import { openDatabase, type Database } from "../../prisma/database.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const MB = 1024 * 1024;
const OPERATOR = { requestedBy: "operator", actorType: "operator" } as const;
const docker = new Dockerode({ socketPath: process.env.DOCKER_SOCKET ?? "/var/run/docker.sock" });
const driver = createDockerDriver({ docker });

function settings() {
  const targetMb = Number(process.env.BENCH_DB_MB ?? 200);
  const range = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORT_RANGE ?? "48400-48499");
  if (!Number.isFinite(targetMb) || targetMb < 1 || !range) {
    console.error("BENCH_DB_MB must be a number of MB (e.g. 200) and BENCH_PORT_RANGE a range of host ports (e.g. 48400-48499).");
    process.exit(2);
  }
  return { targetMb, ports: { first: Number(range[1]), last: Number(range[2]) } };
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

// --- memory of this process (the one streaming the dump) -------------------------------------

function statusMb(field: "VmRSS" | "VmHWM"): number {
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
  return kb / 1024;
}

/** Resets VmHWM to the current RSS (Linux's clear_refs 5); false where the kernel refuses. */
function resetPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

interface MemoryWatch {
  beforeMb: number;
  stop(): { beforeMb: number; sampledMaxMb: number; hwmMb: number; hwmReset: boolean };
}

function watchMemory(): MemoryWatch {
  const hwmReset = resetPeak();
  const beforeMb = statusMb("VmRSS");
  let sampledMaxMb = beforeMb;
  const timer = setInterval(() => (sampledMaxMb = Math.max(sampledMaxMb, statusMb("VmRSS"))), 100);
  return {
    beforeMb,
    stop() {
      clearInterval(timer);
      return { beforeMb, sampledMaxMb, hwmMb: statusMb("VmHWM"), hwmReset };
    },
  };
}

// --- the portal database ---------------------------------------------------------------------

async function portalDatabase(scratch: string): Promise<{ db: Database; description: string; dispose(): Promise<void> }> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL;
  if (!adminUrl) {
    const db = await openDatabase({ embeddedDir: path.join(scratch, "pglite") });
    await db.migrate();
    return { db, description: "embedded (PGlite, in this process)", dispose: () => db.close() };
  }
  const name = `tenantry_bench_${randomBytes(5).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), embeddedDir: "unused", poolSize: 10 });
  await db.migrate();
  return {
    db,
    description: `PostgreSQL (${url.host})`,
    async dispose() {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

// --- the tenant's database -------------------------------------------------------------------

async function psql(project: string, sql: string, database = "app"): Promise<string> {
  const result = await driver.exec(project, "postgres", {
    command: ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-U", "app", "-d", database, "-c", sql],
    user: "postgres",
  });
  if (result.exitCode !== 0) throw new Error(`psql in ${project} failed (exit code ${result.exitCode}): ${result.stderr.trim().slice(-500)}`);
  return result.stdout.trim();
}

const databaseBytes = async (project: string, database = "app") => Number(await psql(project, `SELECT pg_database_size('${database}')`));

/** Invoice-like rows (names, emails, cities, sentences, a hash reference, amounts, dates) until the database weighs targetBytes. */
async function fill(project: string, targetBytes: number): Promise<number> {
  await psql(
    project,
    `CREATE TABLE bench_invoices (id bigint PRIMARY KEY, customer text NOT NULL, email text NOT NULL, city text NOT NULL,
       description text NOT NULL, amount numeric(12,2) NOT NULL, issued_at timestamptz NOT NULL)`,
  );
  const batch = 250_000;
  let rows = 0;
  while ((await databaseBytes(project)) < targetBytes) {
    await psql(
      project,
      `INSERT INTO bench_invoices
       SELECT g,
         (ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand','Leroy','Moreau'])[1 + g % 10] || ' ' ||
           (ARRAY['SARL','SAS','et fils','Conseil','Services','Transports','Boulangerie'])[1 + (g / 10) % 7],
         'client' || (g * 7919) % 50000 || '@example.com',
         (ARRAY['Paris','Lyon','Marseille','Toulouse','Nantes','Lille','Bordeaux','Rennes','Strasbourg'])[1 + (g * 31) % 9],
         'Invoice ' || g || ': ' ||
           (ARRAY['monthly maintenance','delivery of 12 pallets','consulting, 3 days','annual licence','repair of the north gate',
                  'catering for 40 people','website hosting','training session','spare parts','cleaning of the premises'])[1 + (g * 13) % 10] ||
           ', ' || (ARRAY['paid by transfer','due in 30 days','paid by card','second reminder sent','partly paid'])[1 + (g * 17) % 5] ||
           ', ref ' || md5(g::text),
         round((random() * 5000)::numeric, 2),
         timestamptz '2026-01-01' - (g % 500000) * interval '1 minute'
       FROM generate_series(${rows + 1}::bigint, ${rows + batch}::bigint) g`,
    );
    rows += batch;
    log(`filled ${rows} rows, ${((await databaseBytes(project)) / MB).toFixed(0)} MB`);
  }
  await psql(project, "VACUUM ANALYZE bench_invoices");
  return rows;
}

async function postgresContainer(tenantId: string): Promise<string> {
  const containers = await docker.listContainers({ filters: { label: [`io.tenantry.tenant-id=${tenantId}`, "com.docker.compose.service=postgres"] } });
  if (!containers[0]) throw new Error(`no running postgres container for tenant ${tenantId}`);
  return containers[0].Names[0]!.replace(/^\//, "");
}

async function removeStack(tenantId: string): Promise<void> {
  const filters = { label: [`io.tenantry.tenant-id=${tenantId}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => {});
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => {});
}

/** Runs a bash pipeline (arguments as $1, $2…, no secret in them); returns its seconds. */
async function timedBash(script: string, args: string[]): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -euo pipefail; ${script}`, "bench", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with code ${code}: ${errors}`))));
  });
  return (performance.now() - started) / 1000;
}

// --- the run ---------------------------------------------------------------------------------

async function main() {
  const { targetMb, ports } = settings();
  const scratch = await mkdtemp(path.join(tmpdir(), "tenantry-g-bench-"));
  const backupsDir = path.join(scratch, "backups");
  let database: Awaited<ReturnType<typeof portalDatabase>> | null = null;
  let worker: { stop(): Promise<void> } | null = null;
  let tenantId: string | null = null;
  try {
    database = await portalDatabase(scratch);
    const prisma = database.db.prisma;
    const orchestrator = await createOrchestrator({
      prisma,
      logger: { debug: () => {}, info: () => {}, warn: (m, f) => log(`warn ${m} ${JSON.stringify(f ?? {})}`), error: (m, f) => log(`error ${m} ${JSON.stringify(f ?? {})}`) },
      driver: { kind: "docker", socketPath: process.env.DOCKER_SOCKET ?? "/var/run/docker.sock" },
      templatesDir: path.join(repo, "compose-templates"),
      template: "demo",
      templateValues: {
        APP_IMAGE: process.env.TENANT_APP_IMAGE ?? "tenantry/demo-app:local",
        POSTGRES_IMAGE: process.env.TENANT_POSTGRES_IMAGE ?? "tenantry/postgres:15-local",
      },
      portRange: ports,
      bindAddress: "127.0.0.1",
      tenantUrl: "http://127.0.0.1:{port}",
      mail: { devMailboxDir: path.join(scratch, "mailbox"), from: "Tenantry <noreply@example.com>" },
      secretKey: randomBytes(32),
      pollIntervalMs: 200,
      timeoutMs: 60 * 60_000,
      tenantBackups: { dir: backupsDir },
    });
    worker = orchestrator.startWorker();

    /** Waits for the job; returns the seconds from its first step's start to its last step's end, and each step's. */
    const jobSeconds = async (jobId: string) => {
      const outcome = await waitForJob(prisma, jobId, systemClock, { timeoutMs: 60 * 60_000, pollMs: 250 });
      if (outcome.status !== "succeeded") throw new Error(`job ${jobId} ${outcome.status}: ${outcome.lastError ?? ""}`);
      const steps = await prisma.jobStep.findMany({ where: { jobId }, orderBy: { position: "asc" } });
      const seconds = (s: { startedAt: Date | null; finishedAt: Date | null }) => (s.startedAt && s.finishedAt ? (s.finishedAt.getTime() - s.startedAt.getTime()) / 1000 : 0);
      const ran = steps.filter((s) => s.startedAt && s.finishedAt);
      const total = ran.length ? (ran[ran.length - 1]!.finishedAt!.getTime() - ran[0]!.startedAt!.getTime()) / 1000 : 0;
      return { total, steps: Object.fromEntries(steps.map((s) => [s.name, seconds(s)])) as Record<string, number> };
    };

    log(`portal database: ${database.description}; provisioning a tenant`);
    const signup = await registerTrialSignup(
      prisma,
      { firstName: "Bench", lastName: "Mark", email: `g-bench.${randomUUID().slice(0, 8)}@example.com`, company: `G Bench ${randomBytes(3).toString("hex")}`, phone: "+33612345678", acceptTerms: "on" },
      { ip: "127.0.0.1", userAgent: "bench", locale: "en", signupKey: randomUUID(), now: new Date(), trialDays: 30, termsVersion: "bench", rateLimitPerHour: 1000, maxPendingTenants: 1000 },
    );
    if (signup.kind !== "created") throw new Error(`the signup answered ${signup.kind}`);
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { statusToken: signup.statusToken }, include: { jobs: true } });
    tenantId = tenant.id;
    await jobSeconds(tenant.jobs[0]!.id);
    const project = `client-${tenant.slug}`;

    log(`tenant ${tenant.slug} is active; filling its database to ${targetMb} MB`);
    const rows = await fill(project, targetMb * MB);
    const dbMb = (await databaseBytes(project)) / MB;
    const rate = (seconds: number) => (seconds > 0 ? dbMb / seconds : 0);

    log("backup job");
    let watch = watchMemory();
    const { jobId: backupJobId } = await requestTenantBackup(prisma, tenant.slug, OPERATOR);
    const backupJob = await jobSeconds(backupJobId);
    const backupMemory = watch.stop();
    const backupRow = await prisma.tenantBackup.findUniqueOrThrow({ where: { jobId: backupJobId } });
    const backupFileMb = Number(backupRow.sizeBytes) / MB;
    const writeSeconds = (backupRow.durationMs ?? 0) / 1000;

    log("restore job, in place");
    watch = watchMemory();
    const { jobId: restoreJobId } = await requestTenantRestore(prisma, { slug: tenant.slug, backupId: backupRow.id }, OPERATOR, systemClock);
    const restoreJob = await jobSeconds(restoreJobId);
    const restoreMemory = watch.stop();
    const restoredRows = Number(await psql(project, "SELECT count(*) FROM bench_invoices"));
    if (restoredRows !== rows) throw new Error(`the restore gave ${restoredRows} rows, not ${rows}`);

    log("plain pg_dump | gzip");
    const container = await postgresContainer(tenant.id);
    const plainFile = path.join(scratch, "plain.sql.gz");
    const plainDump = await timedBash(`docker exec -u postgres "$1" pg_dump --no-owner --no-privileges -U app -d app | gzip > "$2"`, [container, plainFile]);
    const plainFileMb = (await stat(plainFile)).size / MB;
    log("plain gunzip | psql into a scratch database");
    await psql(project, "CREATE DATABASE bench_plain OWNER app", "postgres");
    const plainLoad = await timedBash(`gunzip -c "$2" | docker exec -i -u postgres "$1" psql -X -q -v ON_ERROR_STOP=1 -U app -d bench_plain >/dev/null`, [container, plainFile]);
    const plainRows = Number(await psql(project, "SELECT count(*) FROM bench_invoices", "bench_plain"));
    if (plainRows !== rows) throw new Error(`the plain load gave ${plainRows} rows, not ${rows}`);
    await psql(project, "DROP DATABASE bench_plain WITH (FORCE)", "postgres");

    const line = (name: string, seconds: number, fileMb?: number) =>
      `  ${name.padEnd(44)} ${seconds.toFixed(1).padStart(7)} s ${rate(seconds).toFixed(1).padStart(7)} MB/s${fileMb === undefined ? "" : `   file ${fileMb.toFixed(1)} MB`}`;
    const step = (name: string) => restoreJob.steps[name] ?? 0;
    console.log(
      [
        `tenant backup and restore, database of ${dbMb.toFixed(0)} MB (${rows} invoice rows), ${cpus().length} CPUs, portal database ${database.description}`,
        `MB/s are of the database's size (pg_database_size); load average ${loadavg()[0]!.toFixed(1)} at the end (other work on the machine slows every figure)`,
        line("tenantry backup job (counts, dump, gzip, AES)", backupJob.total, backupFileMb),
        line("  of which the recorded backup (durationMs)", writeSeconds),
        line("tenantry restore job, in place (all steps)", restoreJob.total),
        line("  verify the file", step("verify")),
        line("  pre-restore backup", step("pre-restore-backup")),
        line("  load (decrypt, gunzip, psql)", step("load")),
        line("  health and row counts", step("health") + step("record")),
        line("plain docker exec pg_dump | gzip > file", plainDump, plainFileMb),
        line("plain gunzip -c file | docker exec -i psql", plainLoad),
        `memory of this process (it streams the dump): VmRSS before, highest VmRSS sampled every 100 ms, VmHWM (peak${backupMemory.hwmReset ? ", reset before each job" : ", since the process started: the kernel refused a reset"})`,
        `  backup job    ${backupMemory.beforeMb.toFixed(0)} MB, ${backupMemory.sampledMaxMb.toFixed(0)} MB, ${backupMemory.hwmMb.toFixed(0)} MB`,
        `  restore job   ${restoreMemory.beforeMb.toFixed(0)} MB, ${restoreMemory.sampledMaxMb.toFixed(0)} MB, ${restoreMemory.hwmMb.toFixed(0)} MB`,
      ].join("\n"),
    );
  } finally {
    await worker?.stop().catch(() => {});
    if (tenantId) await removeStack(tenantId);
    await database?.dispose().catch((error: Error) => log(`could not remove the portal database: ${error.message}`));
    await rm(scratch, { recursive: true, force: true });
  }
}

await main().catch((error: Error) => {
  console.error(`the benchmark stopped: ${error.message}\n(the stack, the portal database and the files it made were removed)`);
  process.exitCode = 1;
});
