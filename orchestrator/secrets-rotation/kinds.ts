// Everything sealed with the secrets key, re-encrypted kind by kind for a rotation: tenant secrets
// and sealed emails in batches (each batch one transaction of conditional updates: a row changed
// meanwhile by the product is left for the next pass), final dump files (their row's checksum
// follows) and the development mailbox's files. Each value already under the new key is skipped.
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";
import { dumpContext } from "../lifecycle/final-dump.ts";
import { devMailboxContext } from "../mail/dev-mailbox.ts";
import { sealedContext } from "../mail/outbox.ts";
import { tenantSecretContext } from "../secrets.ts";
import { readIfExists, rewriteFile } from "./files.ts";
import { countResealed } from "./rotation-store.ts";
import { emptyReport, type KindReport, type Resealer } from "./reseal.ts";

export interface PassContext {
  prisma: PrismaClient;
  resealer: Resealer;
  rotationId: string;
  batchSize: number;
  dumpsDir: string;
  /** Absent when email goes through SMTP (no mailbox files are written). */
  devMailboxDir: string | null;
  /** After each batch or file (progress is committed): a test hook to slow a run down. */
  afterBatch: (report: KindReport) => Promise<void>;
  signal?: AbortSignal;
}

/**
 * One batch's conditional updates in one transaction with the rotation's progress: a row the
 * product changed since it was read is not written (counted as changed meanwhile, left for the
 * next pass).
 */
async function commitBatch<U>(
  c: PassContext,
  report: KindReport,
  updates: U[],
  write: (tx: Prisma.TransactionClient, update: U) => Promise<{ count: number }>,
): Promise<void> {
  const changed = await c.prisma.$transaction(async (tx) => {
    let count = 0;
    for (const update of updates) count += (await write(tx, update)).count;
    await countResealed(tx, c.rotationId, count);
    return count;
  });
  report.resealed += changed;
  report.changedMeanwhile += updates.length - changed;
  await c.afterBatch(report);
}

export async function resealTenantSecrets(c: PassContext): Promise<KindReport> {
  const report = emptyReport("tenant secrets");
  let cursor = "";
  for (;;) {
    c.signal?.throwIfAborted();
    const rows = await c.prisma.tenantSecret.findMany({ where: { id: { gt: cursor } }, orderBy: { id: "asc" }, take: c.batchSize });
    if (rows.length === 0) return report;
    cursor = rows[rows.length - 1]!.id;
    const updates: { id: string; from: string; to: string }[] = [];
    for (const row of rows) {
      const result = c.resealer.reseal(row.ciphertext, tenantSecretContext(row.tenantId, row.name));
      if (result.state === "new") report.alreadyNew++;
      else if (result.state === "neither") report.unopenable.push(`TenantSecret ${row.id} (${row.name} of tenant ${row.tenantId})`);
      else updates.push({ id: row.id, from: row.ciphertext, to: result.sealed });
    }
    await commitBatch(c, report, updates, (tx, u) => tx.tenantSecret.updateMany({ where: { id: u.id, ciphertext: u.from }, data: { ciphertext: u.to } }));
  }
}

export async function resealSealedEmails(c: PassContext): Promise<KindReport> {
  const report = emptyReport("sealed emails");
  let cursor = "";
  for (;;) {
    c.signal?.throwIfAborted();
    const rows = await c.prisma.emailOutbox.findMany({
      where: { id: { gt: cursor }, OR: [{ encrypted: true }, { sealedSecrets: { not: null } }] },
      orderBy: { id: "asc" },
      take: c.batchSize,
      select: { id: true, idempotencyKey: true, encrypted: true, bodyText: true, bodyHtml: true, sealedSecrets: true },
    });
    if (rows.length === 0) return report;
    cursor = rows[rows.length - 1]!.id;
    const updates: { id: string; from: { bodyText: string; bodyHtml: string; sealedSecrets: string | null }; to: Record<string, string> }[] = [];
    for (const row of rows) {
      const context = sealedContext(row.idempotencyKey);
      const fields: [name: "bodyText" | "bodyHtml" | "sealedSecrets", value: string, context: string][] = [];
      if (row.encrypted) fields.push(["bodyText", row.bodyText, `${context}/text`], ["bodyHtml", row.bodyHtml, `${context}/html`]);
      if (row.sealedSecrets !== null) fields.push(["sealedSecrets", row.sealedSecrets, `${context}/secrets`]);
      const to: Record<string, string> = {};
      let unopenable = false;
      for (const [name, value, fieldContext] of fields) {
        const result = c.resealer.reseal(value, fieldContext);
        if (result.state === "resealed") to[name] = result.sealed;
        else if (result.state === "neither") unopenable = true;
      }
      if (unopenable) report.unopenable.push(`EmailOutbox ${row.id}`);
      else if (Object.keys(to).length === 0) report.alreadyNew++;
      else updates.push({ id: row.id, from: { bodyText: row.bodyText, bodyHtml: row.bodyHtml, sealedSecrets: row.sealedSecrets }, to });
    }
    // The sender may have delivered the message meanwhile (its bodies then kept in clear): the row
    // is only written if it is still as it was read.
    await commitBatch(c, report, updates, (tx, u) => tx.emailOutbox.updateMany({ where: { id: u.id, ...u.from }, data: u.to }));
  }
}

export async function resealFinalDumps(c: PassContext): Promise<KindReport> {
  const report = emptyReport("final dumps");
  let cursor = "";
  for (;;) {
    c.signal?.throwIfAborted();
    const rows = await c.prisma.tenantDump.findMany({ where: { id: { gt: cursor }, deletedAt: null }, orderBy: { id: "asc" }, take: c.batchSize });
    if (rows.length === 0) return report;
    cursor = rows[rows.length - 1]!.id;
    for (const row of rows) {
      // The same name rule as orchestrator/lifecycle/final-dump.ts.
      const file = path.join(c.dumpsDir, path.basename(row.fileName));
      const context = dumpContext(row.fileName);
      const text = await readIfExists(file);
      if (text === null) {
        report.missing++;
        continue;
      }
      const sealed = text.trim();
      const result = c.resealer.reseal(sealed, context);
      if (result.state === "neither") {
        report.unopenable.push(`TenantDump ${row.id} (file ${row.fileName})`);
        continue;
      }
      let current = text;
      if (result.state === "resealed") {
        if (!(await rewriteFile(file, result.sealed))) {
          report.missing++;
          continue;
        }
        current = result.sealed;
        report.resealed++;
      } else {
        report.alreadyNew++;
      }
      // The row's checksum follows the file (also after a run stopped between the two).
      const sha256 = createHash("sha256").update(current).digest("hex");
      if (sha256 !== row.sha256) {
        await c.prisma.$transaction(async (tx) => {
          await tx.tenantDump.updateMany({ where: { id: row.id }, data: { sha256, sizeBytes: Buffer.byteLength(current) } });
          await countResealed(tx, c.rotationId, result.state === "resealed" ? 1 : 0);
        });
      }
      await c.afterBatch(report);
    }
  }
}

export async function resealDevMailbox(c: PassContext): Promise<KindReport> {
  const report = emptyReport("development mailbox");
  if (!c.devMailboxDir) return report;
  const dir = c.devMailboxDir;
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".mail")).sort();
  for (const name of files) {
    c.signal?.throwIfAborted();
    const file = path.join(dir, name);
    const text = await readIfExists(file);
    if (text === null) continue; // expired and deleted meanwhile
    const result = c.resealer.reseal(text, devMailboxContext(name));
    if (result.state === "new") report.alreadyNew++;
    else if (result.state === "neither") report.unopenable.push(`development mailbox file ${name}`);
    else if (await rewriteFile(file, result.sealed)) {
      report.resealed++;
      await countResealed(c.prisma, c.rotationId, 1);
    }
  }
  if (report.resealed > 0) await c.afterBatch(report);
  return report;
}
