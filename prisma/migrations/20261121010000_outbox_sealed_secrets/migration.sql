-- AlterTable
ALTER TABLE "EmailOutbox" ADD COLUMN "sealedSecrets" TEXT;
