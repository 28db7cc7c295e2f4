// What the public status page shows: the trial and the progress of the tenant's latest job.
import type { PrismaClient } from "../../prisma/generated/client.ts";

export async function findTrialStatus(prisma: PrismaClient, statusToken: string) {
  const tenant = await prisma.tenant.findUnique({
    where: { statusToken },
    select: {
      slug: true,
      actualState: true,
      progress: true,
      customer: { select: { firstName: true, company: true } },
      subscription: { select: { plan: true, status: true, trialEndsAt: true } },
      jobs: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: {
          status: true,
          steps: {
            orderBy: { position: "asc" },
            select: { name: true, status: true, startedAt: true, finishedAt: true },
          },
        },
      },
    },
  });
  if (!tenant) return null;
  const { jobs, ...rest } = tenant;
  return { ...rest, steps: jobs[0]?.steps ?? [] };
}

export type TrialStatus = NonNullable<Awaited<ReturnType<typeof findTrialStatus>>>;
