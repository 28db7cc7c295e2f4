-- Tenant versions and upgrades (issue 13): the app image each tenant runs, an "upgrade" job kind,
-- and upgrade runs (several tenants to one image, in batches) with one row per tenant.

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'upgrade';

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "appImage" TEXT;

-- CreateTable
CREATE TABLE "UpgradeRun" (
    "id" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "UpgradeRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UpgradeRunTenant" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "batch" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "jobId" TEXT,
    "fromImage" TEXT,
    "error" TEXT,
    "queuedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "UpgradeRunTenant_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "UpgradeRun_createdAt_idx" ON "UpgradeRun"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "UpgradeRunTenant_jobId_key" ON "UpgradeRunTenant"("jobId");

-- CreateIndex
CREATE INDEX "UpgradeRunTenant_runId_batch_idx" ON "UpgradeRunTenant"("runId", "batch");

-- CreateIndex
CREATE UNIQUE INDEX "UpgradeRunTenant_runId_tenantId_key" ON "UpgradeRunTenant"("runId", "tenantId");

-- AddForeignKey
ALTER TABLE "UpgradeRunTenant" ADD CONSTRAINT "UpgradeRunTenant_runId_fkey" FOREIGN KEY ("runId") REFERENCES "UpgradeRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UpgradeRunTenant" ADD CONSTRAINT "UpgradeRunTenant_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
