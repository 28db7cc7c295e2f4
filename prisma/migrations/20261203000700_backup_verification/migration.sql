-- Scheduled tenant backups, retention and verified restores (issue 13): a backup's verification
-- result and its deletion by retention, and one scheduled backup per tenant and schedule period.

-- AlterTable
ALTER TABLE "TenantBackup" ADD COLUMN     "verifyStatus" TEXT,
ADD COLUMN     "verifiedAt" TIMESTAMP(3),
ADD COLUMN     "verifyError" TEXT,
ADD COLUMN     "deletedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ScheduledBackup" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScheduledBackup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ScheduledBackup_tenantId_periodKey_key" ON "ScheduledBackup"("tenantId", "periodKey");
