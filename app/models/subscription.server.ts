import type { SubscriptionStatus } from "../../prisma/generated/enums.ts";

/** A customer holding a subscription in one of these states cannot start another trial. */
export const ACTIVE_SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ["trialing", "active", "past_due"];
