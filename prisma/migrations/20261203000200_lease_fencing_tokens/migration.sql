-- AlterTable
ALTER TABLE "ProvisioningJob" ADD COLUMN     "engineLostAt" TIMESTAMP(3),
ADD COLUMN     "engineWaitMs" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "leaseToken" TEXT;

-- AlterTable
ALTER TABLE "EmailOutbox" ADD COLUMN     "leaseToken" TEXT;
