-- Plans (issue 12): the job that applies a tenant's plan's limits (memory, CPU) to its running
-- containers after the console changes its plan. The plan itself stays in Subscription.plan.

-- AlterEnum
ALTER TYPE "JobKind" ADD VALUE 'change_plan';
