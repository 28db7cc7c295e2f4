// What a job was asked for beyond its kind (ProvisioningJob.parameters, written by requestJob):
// a backup's reason, the backup a restore loads, whether the tenant is a copy. Read from the job's
// row by the steps that need it (the claim does not carry it).
import type { Prisma, PrismaClient } from "../../prisma/generated/client.ts";

export type JobParameters = Record<string, unknown>;

export async function jobParameters(prisma: PrismaClient | Prisma.TransactionClient, jobId: string): Promise<JobParameters> {
  const job = await prisma.provisioningJob.findUnique({ where: { id: jobId }, select: { parameters: true } });
  const value = job?.parameters;
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JobParameters) : {};
}
