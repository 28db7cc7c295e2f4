-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'terminate';

-- CreateEnum
CREATE TYPE "ScheduledRunStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('pending', 'sending', 'sent', 'failed');

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "erasedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "expiredAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "attentionReason" TEXT,
ADD COLUMN     "observedAt" TIMESTAMP(3),
ADD COLUMN     "observedState" TEXT,
ADD COLUMN     "repairFailures" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ScheduledRun" (
    "id" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "periodKey" TEXT NOT NULL,
    "status" "ScheduledRunStatus" NOT NULL DEFAULT 'running',
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "leaseOwner" TEXT,
    "leaseToken" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "asOf" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "retryAt" TIMESTAMP(3),
    "summary" JSONB,
    "error" TEXT,

    CONSTRAINT "ScheduledRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TenantDump" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "TenantDump_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageSample" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "cpuPercent" DOUBLE PRECISION NOT NULL,
    "memoryBytes" BIGINT NOT NULL,
    "diskBytes" BIGINT,

    CONSTRAINT "UsageSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StrayResource" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "project" TEXT,
    "tenantLabel" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StrayResource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OperatorNotification" (
    "id" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "NotificationStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseToken" TEXT,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OperatorNotification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ScheduledRun_task_periodKey_key" ON "ScheduledRun"("task", "periodKey");

-- CreateIndex
CREATE INDEX "ScheduledRun_task_startedAt_idx" ON "ScheduledRun"("task", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "TenantDump_fileName_key" ON "TenantDump"("fileName");

-- CreateIndex
CREATE INDEX "TenantDump_tenantId_idx" ON "TenantDump"("tenantId");

-- CreateIndex
CREATE INDEX "TenantDump_expiresAt_idx" ON "TenantDump"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "UsageSample_tenantId_at_key" ON "UsageSample"("tenantId", "at");

-- CreateIndex
CREATE INDEX "UsageSample_at_idx" ON "UsageSample"("at");

-- CreateIndex
CREATE UNIQUE INDEX "StrayResource_kind_name_key" ON "StrayResource"("kind", "name");

-- CreateIndex
CREATE UNIQUE INDEX "OperatorNotification_idempotencyKey_key" ON "OperatorNotification"("idempotencyKey");

-- CreateIndex
CREATE INDEX "OperatorNotification_status_nextAttemptAt_idx" ON "OperatorNotification"("status", "nextAttemptAt");

-- AddForeignKey
ALTER TABLE "TenantDump" ADD CONSTRAINT "TenantDump_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UsageSample" ADD CONSTRAINT "UsageSample_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
