-- Custom domains re-checked once active (issue 14, follow-up): when a check first found an active
-- domain's record pointing elsewhere (or gone). The domain keeps serving during a grace period,
-- then is disabled (pending again, the mark kept); the mark is cleared when the record is fixed.

-- AlterTable
ALTER TABLE "CustomDomain" ADD COLUMN     "misconfiguredSince" TIMESTAMP(3);
