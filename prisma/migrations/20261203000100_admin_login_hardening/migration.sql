-- Admin sign-in hardening (issue 9): attempts are counted per address and per (email, address)
-- in LoginThrottle before any password is checked, which replaces the per-account counter; and
-- the first-run page needs a one-time setup token printed in the portal's log.

-- AlterTable
ALTER TABLE "AdminUser" DROP COLUMN "failedLogins",
DROP COLUMN "lockedUntil";

-- CreateTable
CREATE TABLE "LoginThrottle" (
    "id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "account" TEXT,
    "address" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoginThrottle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminSetupToken" (
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminSetupToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "LoginThrottle_account_idx" ON "LoginThrottle"("account");

-- CreateIndex
CREATE UNIQUE INDEX "LoginThrottle_scope_key_key" ON "LoginThrottle"("scope", "key");
