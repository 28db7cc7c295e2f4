-- Tenant backups (issue 13): a row per backup of a tenant's database, two job kinds, and the
-- parameters a job is asked for beyond its kind (a backup's reason, the backup a restore uses).

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'backup';
ALTER TYPE "JobKind" ADD VALUE 'restore';

-- AlterTable
ALTER TABLE "ProvisioningJob" ADD COLUMN     "parameters" JSONB;

-- CreateTable
CREATE TABLE "TenantBackup" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "fileName" TEXT,
    "sizeBytes" BIGINT,
    "durationMs" INTEGER,
    "sha256" TEXT,
    "keyFingerprint" TEXT,
    "rowCounts" JSONB,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "TenantBackup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TenantBackup_jobId_key" ON "TenantBackup"("jobId");

-- CreateIndex
CREATE UNIQUE INDEX "TenantBackup_fileName_key" ON "TenantBackup"("fileName");

-- CreateIndex
CREATE INDEX "TenantBackup_tenantId_createdAt_idx" ON "TenantBackup"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "TenantBackup" ADD CONSTRAINT "TenantBackup_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
