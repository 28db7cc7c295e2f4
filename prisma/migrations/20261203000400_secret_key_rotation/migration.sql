-- CreateTable
CREATE TABLE "SecretKeyRotation" (
    "id" TEXT NOT NULL,
    "oldKeyFingerprint" TEXT NOT NULL,
    "newKeyFingerprint" TEXT NOT NULL,
    "newKeySealed" TEXT,
    "oldKeySealed" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "runs" INTEGER NOT NULL DEFAULT 1,
    "resealed" INTEGER NOT NULL DEFAULT 0,
    "completedAt" TIMESTAMP(3),
    "summary" JSONB,

    CONSTRAINT "SecretKeyRotation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SecretKeyRotation_completedAt_idx" ON "SecretKeyRotation"("completedAt");

-- At most one rotation in progress (not expressible in schema.prisma).
CREATE UNIQUE INDEX "SecretKeyRotation_one_in_progress" ON "SecretKeyRotation" ((true)) WHERE "completedAt" IS NULL;
