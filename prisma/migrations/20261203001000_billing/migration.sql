-- Billing (issue 12): the Stripe side of a subscription (its price, interval, period end, Stripe's own
-- status word, the time of the newest event applied so older events never overwrite newer state, the
-- dunning clock) and StripeEvent, one row per Stripe event id, inserted in the transaction that applies
-- the event: a replayed delivery hits the primary key and changes nothing.

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "stripePriceId" TEXT,
ADD COLUMN     "billingInterval" TEXT,
ADD COLUMN     "currentPeriodEnd" TIMESTAMP(3),
ADD COLUMN     "cancelAtPeriodEnd" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "stripeStatus" TEXT,
ADD COLUMN     "stripeStateAt" TIMESTAMP(3),
ADD COLUMN     "pastDueSince" TIMESTAMP(3),
ADD COLUMN     "graceEndsAt" TIMESTAMP(3),
ADD COLUMN     "endedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "StripeEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "subscriptionId" TEXT,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "StripeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StripeEvent_subscriptionId_createdAt_idx" ON "StripeEvent"("subscriptionId", "createdAt");
