-- Billing (issue 12): the Stripe price's amount (in the currency's smallest unit, per billing
-- interval) and currency, as the subscription's events carry them: the console's monthly recurring
-- revenue sums them without asking Stripe.

-- AlterTable
ALTER TABLE "Subscription" ADD COLUMN     "stripePriceAmount" INTEGER,
ADD COLUMN     "stripePriceCurrency" TEXT;
