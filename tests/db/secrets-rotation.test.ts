// Key rotation on both databases: every kind of sealed value (tenant secrets of several tenants, a
// sealed email, a final dump file, development mailbox files) re-encrypted so that a SecretBox
// holding the new key alone opens them all and one holding the old key alone opens none; while a
// rotation is in progress a process holding only the old key (or only the new one) reads every
// value and writes new ones under the new key, and learns of the rotation by itself (so does an
// orchestrator wired as the portal's, which a retired key then stops at start, as the doctor says);
// a value neither key opens stops the rotation, named by table and id, and a run again finishes it.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offsetClock, systemClock } from "../../orchestrator/clock.ts";
import { finalDumpFileName, readFinalDump, sealDump } from "../../orchestrator/lifecycle/final-dump.ts";
import { silentLogger } from "../../orchestrator/logger.ts";
import { devMailboxTransport, readDevMailbox } from "../../orchestrator/mail/dev-mailbox.ts";
import { enqueueEmail, sealedContext } from "../../orchestrator/mail/outbox.ts";
import { applyRotation, applyRotationAtStart, keyringWatch } from "../../orchestrator/secrets-rotation/keyring.ts";
import { beginRotation } from "../../orchestrator/secrets-rotation/rotation-store.ts";
import { runKeyRotation, type RotationOptions } from "../../orchestrator/secrets-rotation/runner.ts";
import { keyFingerprint, SecretBox } from "../../orchestrator/secrets.ts";
import { checkSecretsKey } from "../../orchestrator/doctor/secrets-check.ts";
import { engineOrchestrator } from "../support/engine-orchestrator.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "tenantry-rotation-"));
});
afterAll(async () => {
  await t?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const opens = (box: SecretBox, sealed: string, context: string) => {
  try {
    box.decrypt(sealed, context);
    return true;
  } catch {
    return false;
  }
};

let tenants = 0;
async function tenantWithSecrets(box: SecretBox, names: string[]): Promise<{ tenantId: string; values: Map<string, string> }> {
  const i = ++tenants;
  const customer = await t.db.prisma.customer.create({
    data: { email: `rotation${i}-${randomBytes(3).toString("hex")}@example.com`, firstName: "Rot", lastName: "Ation", company: "Keys", phone: "+33612345678" },
  });
  const tenant = await t.db.prisma.tenant.create({ data: { slug: `rotation-${i}-${randomBytes(3).toString("hex")}`, customerId: customer.id, statusToken: `tok-${randomBytes(8).toString("hex")}` } });
  const values = new Map<string, string>();
  for (const name of names) {
    const value = `value-${name}-${randomBytes(6).toString("hex")}`;
    values.set(name, value);
    await t.db.prisma.tenantSecret.create({ data: { tenantId: tenant.id, name, ciphertext: box.encrypt(value, `${tenant.id}/${name}`) } });
  }
  return { tenantId: tenant.id, values };
}

function credentialsEmail(tenantId: string, password: string) {
  return {
    idempotencyKey: `credentials:${tenantId}`,
    tenantId,
    to: "customer@example.com",
    locale: "en" as const,
    message: {
      purpose: "credentials" as const,
      firstName: "Camille",
      company: "Acme",
      plan: "trial",
      trialEndsAt: new Date("2026-12-21T12:00:00Z"),
      appUrl: "http://localhost:20001/",
      username: "acme",
      temporaryPassword: password,
    },
  };
}

function options(folder: string, oldKey: Buffer, newKey: Buffer, extra: Partial<RotationOptions> = {}): RotationOptions {
  return {
    prisma: t.db.prisma,
    clock: systemClock,
    oldKey,
    newKey,
    operator: "test operator",
    dumpsDir: path.join(folder, "dumps"),
    devMailboxDir: path.join(folder, "mailbox"),
    batchSize: 2,
    graceMs: 0,
    ...extra,
  };
}

/** Leaves no rotation open and no tenant secret of another test behind. */
async function clearRotations() {
  await t.db.prisma.tenantSecret.deleteMany({});
  await t.db.prisma.emailOutbox.deleteMany({});
  await t.db.prisma.tenantDump.deleteMany({});
  await t.db.prisma.secretKeyRotation.deleteMany({});
}

describe(`secrets key rotation (${process.env.TEST_DB_KIND})`, () => {
  it("re-encrypts tenant secrets, sealed emails, final dumps and mailbox files: the new key alone opens them all, the old one alone none", async () => {
    await clearRotations();
    const folder = await mkdtemp(path.join(dir, "all-"));
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const oldBox = new SecretBox(oldKey);

    const seeded = [];
    for (let i = 0; i < 3; i++) seeded.push(await tenantWithSecrets(oldBox, ["postgres_password", "app_key", "initial_password"]));
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    await enqueueEmail(t.db.prisma, oldBox, credentialsEmail(seeded[0]!.tenantId, password));
    const fileName = finalDumpFileName(seeded[1]!.tenantId);
    const sql = "CREATE TABLE notes (id int);\nINSERT INTO notes VALUES (1);\n";
    const sealedDump = await sealDump(oldBox, fileName, sql);
    const dumpsDir = path.join(folder, "dumps");
    await rm(dumpsDir, { recursive: true, force: true });
    await mkdir(dumpsDir, { recursive: true });
    await writeFile(path.join(dumpsDir, fileName), sealedDump, { mode: 0o600 });
    await t.db.prisma.tenantDump.create({
      data: { tenantId: seeded[1]!.tenantId, reason: "final", fileName, sha256: createHash("sha256").update(sealedDump).digest("hex"), sizeBytes: sealedDump.length, expiresAt: new Date(Date.now() + 86_400_000) },
    });
    const mailbox = devMailboxTransport(path.join(folder, "mailbox"), oldBox);
    for (const to of ["first@example.com", "second@example.com"]) {
      await mailbox.send({ from: "Tenantry <no-reply@localhost>", to, subject: "Hello", text: "secret inside", html: "<p>secret inside</p>", messageId: `<${to}@test>` });
    }
    const mailFiles = (await readdir(path.join(folder, "mailbox"))).filter((f) => f.endsWith(".mail"));
    const mtimeBefore = (await stat(path.join(folder, "mailbox", mailFiles[0]!))).mtimeMs;

    const report = await runKeyRotation(options(folder, oldKey, newKey));
    expect(report.resumed).toBe(false);
    const byKind = Object.fromEntries(report.kinds.map((k) => [k.kind, k]));
    expect(byKind["tenant secrets"]?.resealed).toBe(9);
    expect(byKind["sealed emails"]?.resealed).toBe(1);
    expect(byKind["final dumps"]?.resealed).toBe(1);
    expect(byKind["development mailbox"]?.resealed).toBe(2);

    const newOnly = new SecretBox(newKey);
    const oldOnly = new SecretBox(oldKey);
    for (const { tenantId, values } of seeded) {
      for (const [name, value] of values) {
        const row = await t.db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
        expect(newOnly.decrypt(row.ciphertext, `${tenantId}/${name}`)).toBe(value);
        expect(opens(oldOnly, row.ciphertext, `${tenantId}/${name}`)).toBe(false);
      }
    }
    const email = await t.db.prisma.emailOutbox.findFirstOrThrow({ where: { tenantId: seeded[0]!.tenantId } });
    const context = sealedContext(email.idempotencyKey);
    expect(newOnly.decrypt(email.bodyText, `${context}/text`)).toContain(password);
    expect(newOnly.decrypt(email.bodyHtml, `${context}/html`)).toContain(password);
    expect(JSON.parse(newOnly.decrypt(email.sealedSecrets!, `${context}/secrets`))).toContain(password);
    expect(opens(oldOnly, email.bodyText, `${context}/text`)).toBe(false);

    expect(await readFinalDump(newOnly, dumpsDir, fileName)).toBe(sql);
    await expect(readFinalDump(oldOnly, dumpsDir, fileName)).rejects.toThrow(/could not be decrypted/);
    const dumpText = await readFile(path.join(dumpsDir, fileName), "utf8");
    const dumpRow = await t.db.prisma.tenantDump.findUniqueOrThrow({ where: { fileName } });
    expect(dumpRow.sha256).toBe(createHash("sha256").update(dumpText).digest("hex"));
    expect((await stat(path.join(dumpsDir, fileName))).mode & 0o777).toBe(0o600);

    expect((await readDevMailbox(path.join(folder, "mailbox"), newKey)).map((m) => m.to).sort()).toEqual(["first@example.com", "second@example.com"]);
    expect(await readDevMailbox(path.join(folder, "mailbox"), oldKey)).toEqual([]);
    const mailStat = await stat(path.join(folder, "mailbox", mailFiles[0]!));
    expect(mailStat.mode & 0o777).toBe(0o600);
    expect(Math.abs(mailStat.mtimeMs - mtimeBefore)).toBeLessThan(1); // retention by age is not reset

    const rotation = await t.db.prisma.secretKeyRotation.findUniqueOrThrow({ where: { id: report.rotationId } });
    expect(rotation.completedAt).toBeInstanceOf(Date);
    expect(rotation.newKeySealed).toBeNull();
    expect(rotation.oldKeySealed).toBeNull();
    expect(rotation.newKeyFingerprint).toBe(keyFingerprint(newKey));
    expect(rotation.resealed).toBe(13);

    const audit = await t.db.prisma.auditLog.findMany({ where: { action: { startsWith: "secrets." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actorType, a.outcome])).toEqual([
      ["secrets.rotation_started", "operator", "succeeded"],
      ["secrets.rotation_completed", "operator", "succeeded"],
    ]);
    const details = JSON.stringify(audit.map((a) => a.details));
    for (const key of [oldKey, newKey]) {
      expect(details).not.toContain(key.toString("hex"));
      expect(details).not.toContain(key.toString("base64"));
    }

    // The old key is retired: a process started with it is refused with what to set, and so is a
    // rotation from it.
    await expect(applyRotationAtStart(t.db.prisma, new SecretBox(oldKey))).rejects.toThrow(new RegExp(`retired.*${keyFingerprint(newKey)}`));
    await expect(runKeyRotation(options(folder, oldKey, newKey))).rejects.toThrow(/was retired by the rotation completed/);
    expect((await applyRotation(t.db.prisma, new SecretBox(newKey))).kind).toBe("steady");
  });

  it("while a rotation is in progress, a process holding only the old key (or only the new one) reads everything and writes under the new key", async () => {
    await clearRotations();
    const folder = await mkdtemp(path.join(dir, "during-"));
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const seeded: Awaited<ReturnType<typeof tenantWithSecrets>>[] = [];
    for (let i = 0; i < 4; i++) seeded.push(await tenantWithSecrets(new SecretBox(oldKey), ["postgres_password", "app_key"]));

    // A running process with the old key, its keyring watched as the portal's is.
    const portalBox = new SecretBox(oldKey);
    expect((await applyRotationAtStart(t.db.prisma, portalBox)).kind).toBe("steady");
    const release = keyringWatch(t.db.prisma, portalBox, silentLogger, 50).acquire();
    let checked = false;
    try {
      await runKeyRotation(
        options(folder, oldKey, newKey, {
          afterBatch: async () => {
            if (checked) return;
            checked = true;
            // Halfway: some rows under the new key, others still under the old one.
            const rows = await t.db.prisma.tenantSecret.findMany();
            const underNew = rows.filter((r) => opens(new SecretBox(newKey), r.ciphertext, `${r.tenantId}/${r.name}`));
            expect(underNew.length).toBeGreaterThan(0);
            expect(underNew.length).toBeLessThan(rows.length);
            // The running process learned the new key from the row by itself (its watch).
            for (let i = 0; portalBox.fingerprint !== keyFingerprint(newKey); i++) {
              if (i > 100) throw new Error("the running process never learned of the rotation");
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            // A process started now with the new key alone (SECRETS_KEY changed early) learns the old one.
            const earlyBox = new SecretBox(newKey);
            expect((await applyRotationAtStart(t.db.prisma, earlyBox)).kind).toBe("rotating");
            for (const box of [portalBox, earlyBox]) {
              for (const { tenantId, values } of seeded) {
                for (const [name, value] of values) {
                  const row = await t.db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
                  expect(box.decrypt(row.ciphertext, `${tenantId}/${name}`)).toBe(value);
                }
              }
            }
            // What the running process writes now is under the new key alone.
            const written = portalBox.encrypt("written during the rotation", "during/one");
            expect(new SecretBox(newKey).decrypt(written, "during/one")).toBe("written during the rotation");
            expect(opens(new SecretBox(oldKey), written, "during/one")).toBe(false);
            // A process with some third key is refused at start, with both fingerprints named.
            await expect(applyRotationAtStart(t.db.prisma, new SecretBox(randomBytes(32)))).rejects.toThrow(new RegExp(`${keyFingerprint(oldKey)}.*${keyFingerprint(newKey)}.*neither`));
            // And a new tenant secret it stores (here, after the pass went by that row's place).
            const late = await tenantWithSecrets(portalBox, ["postgres_password"]);
            seeded.push(late);
          },
        }),
      );
    } finally {
      await release();
    }
    expect(checked).toBe(true);
    const newOnly = new SecretBox(newKey);
    for (const { tenantId, values } of seeded) {
      for (const [name, value] of values) {
        const row = await t.db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
        expect(newOnly.decrypt(row.ciphertext, `${tenantId}/${name}`)).toBe(value);
      }
    }
    // The running process keeps working after the rotation completed (it holds the new key).
    expect(portalBox.fingerprint).toBe(keyFingerprint(newKey));
    expect((await applyRotation(t.db.prisma, portalBox)).kind).toBe("steady");
  });

  it("stops on a value neither key opens, naming its table and id but not its content, then finishes when run again", async () => {
    await clearRotations();
    const folder = await mkdtemp(path.join(dir, "foreign-"));
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const good = await tenantWithSecrets(new SecretBox(oldKey), ["postgres_password", "app_key", "initial_password"]);
    const foreign = await tenantWithSecrets(new SecretBox(randomBytes(32)), ["postgres_password"]);
    const foreignRow = await t.db.prisma.tenantSecret.findFirstOrThrow({ where: { tenantId: foreign.tenantId } });

    const failure = await runKeyRotation(options(folder, oldKey, newKey)).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).toContain(`TenantSecret ${foreignRow.id}`);
    expect(failure?.message).toMatch(/restore that key and rotate from it, or remove those rows/);
    expect(failure?.message).not.toContain(foreign.values.get("postgres_password")!);
    const open = await t.db.prisma.secretKeyRotation.findFirstOrThrow({ where: { completedAt: null } });
    expect(open.newKeySealed).not.toBeNull();
    const failedAudit = await t.db.prisma.auditLog.findFirstOrThrow({ where: { action: "secrets.rotation_failed" }, orderBy: { id: "desc" } });
    expect(failedAudit.outcome).toBe("failed");

    // Another new key while that one is in progress: refused, with the way out.
    await expect(runKeyRotation(options(folder, oldKey, randomBytes(32)))).rejects.toThrow(/is in progress .* run the command again with that rotation's keys/);

    await t.db.prisma.tenantSecret.delete({ where: { id: foreignRow.id } });
    const report = await runKeyRotation(options(folder, oldKey, newKey, { clock: offsetClock(() => 1_000) }));
    expect(report.resumed).toBe(true);
    expect(report.rotationId).toBe(open.id);
    // The rows re-encrypted by the first run are not done twice.
    expect(report.kinds.find((k) => k.kind === "tenant secrets")?.alreadyNew).toBe(3);
    for (const [name, value] of good.values) {
      const row = await t.db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_name: { tenantId: good.tenantId, name } } });
      expect(new SecretBox(newKey).decrypt(row.ciphertext, `${good.tenantId}/${name}`)).toBe(value);
    }
    const rotation = await t.db.prisma.secretKeyRotation.findUniqueOrThrow({ where: { id: open.id } });
    expect(rotation.runs).toBe(2);
    expect(rotation.completedAt).toBeInstanceOf(Date);
  });

  it("an orchestrator wired as the portal's, started with the old key during a rotation, opens old values and seals new ones under the new key; once retired, the old key stops it at start", async () => {
    await clearRotations();
    const folder = await mkdtemp(path.join(dir, "wired-"));
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const seeded = await tenantWithSecrets(new SecretBox(oldKey), ["postgres_password"]);
    await beginRotation(t.db.prisma, oldKey, newKey, new Date()); // as the command does first
    const doctor = await checkSecretsKey(t.db.prisma, oldKey);
    expect(doctor.rotation).toBe(`to the key ${keyFingerprint(newKey)}`);
    expect(doctor.failure).toBeNull();

    const mailboxDir = path.join(folder, "mailbox");
    const orchestrator = await engineOrchestrator({ prisma: t.db.prisma, logger: silentLogger, portRange: { first: 29000, last: 29010 }, mailboxDir, secretKey: oldKey, pollIntervalMs: 60_000 });
    // A credentials email queued before the rotation, under the old key, delivered now.
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    await enqueueEmail(t.db.prisma, new SecretBox(oldKey), credentialsEmail(seeded.tenantId, password));
    const sender = orchestrator.startMailSender();
    try {
      for (let i = 0; (await readDevMailbox(mailboxDir, newKey)).length === 0; i++) {
        if (i > 150) throw new Error("the email was never delivered to the development mailbox under the new key");
        await sender.drain();
        // The sender's own first poll may hold the message meanwhile: give it a moment.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await sender.stop();
    }
    const [delivered] = await readDevMailbox(mailboxDir, newKey);
    expect(delivered?.text).toContain(password);
    expect(await readDevMailbox(mailboxDir, oldKey)).toEqual([]);
    expect((await orchestrator.readDevMailbox()).length).toBe(1);

    await runKeyRotation(options(folder, oldKey, newKey));
    await expect(
      engineOrchestrator({ prisma: t.db.prisma, logger: silentLogger, portRange: { first: 29000, last: 29010 }, mailboxDir, secretKey: oldKey }),
    ).rejects.toThrow(new RegExp(`retired by the rotation completed .*fingerprint ${keyFingerprint(newKey)}`));
    const retired = await checkSecretsKey(t.db.prisma, oldKey);
    expect(retired.unusable).toBe(true);
    expect(retired.failure?.message).toMatch(/retired/);
    const withNewKey = await engineOrchestrator({ prisma: t.db.prisma, logger: silentLogger, portRange: { first: 29000, last: 29010 }, mailboxDir, secretKey: newKey });
    expect((await withNewKey.readDevMailbox()).map((m) => m.to)).toEqual(["customer@example.com"]);
  });

  it("allows one rotation in progress at a time (the database refuses a second)", async () => {
    await clearRotations();
    const oldKey = randomBytes(32);
    await beginRotation(t.db.prisma, oldKey, randomBytes(32), new Date());
    await expect(
      t.db.prisma.secretKeyRotation.create({ data: { oldKeyFingerprint: keyFingerprint(oldKey), newKeyFingerprint: "someone-else" } }),
    ).rejects.toMatchObject({ code: "P2002" });
  });
});
