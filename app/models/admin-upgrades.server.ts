// The console's upgrades (issue 13): the tenant page's Version card (its image, its upgrades, one
// tenant's upgrade) and the Upgrades page (runs over all active tenants or a plan's, in batches).
// Requests go through orchestrator.upgrades (audited there with the admin as actor); a refusal
// from the orchestrator (UpgradeRequestError) is shown as it is, in the admin's language around it.
import { UpgradeRequestError, type UpgradeRunSummary } from "../../orchestrator/index.ts";
import type { AppServices } from "~/services.server";
import { bulkUpgradeForm, tenantUpgradeForm } from "~/forms/admin/upgrade";
import type { UpgradeMessageKey } from "~/i18n/upgrades";

export interface TenantUpgradeView {
  runId: string;
  createdAt: string;
  fromImage: string | null;
  image: string;
  status: string;
  error: string | null;
}

export interface TenantVersionCard {
  appImage: string | null;
  active: boolean;
  busy: boolean;
  upgrades: TenantUpgradeView[];
}

export type UpgradeFormOutcome = { ok: boolean; key: UpgradeMessageKey; values?: Record<string, string | number> };

export async function tenantVersionCard(services: AppServices, tenantId: string): Promise<TenantVersionCard | null> {
  const tenant = await services.prisma.tenant.findUnique({
    where: { id: tenantId },
    select: {
      appImage: true,
      actualState: true,
      upgradeItems: { orderBy: { run: { createdAt: "desc" } }, take: 10, include: { run: { select: { id: true, image: true, createdAt: true } } } },
    },
  });
  if (!tenant) return null;
  return {
    appImage: tenant.appImage,
    active: tenant.actualState === "active",
    busy: tenant.upgradeItems.some((item) => item.status === "pending" || item.status === "queued"),
    upgrades: tenant.upgradeItems.map((item) => ({
      runId: item.run.id,
      createdAt: item.run.createdAt.toISOString(),
      fromImage: item.fromImage,
      image: item.run.image,
      status: item.status,
      error: item.error ? item.error.split("\n")[0]!.slice(0, 300) : null,
    })),
  };
}

function refusal(error: unknown): UpgradeFormOutcome {
  if (error instanceof UpgradeRequestError) return { ok: false, key: "upgrades.refused.other", values: { reason: error.message } };
  throw error;
}

/** One tenant's upgrade, asked for on its page. */
export async function applyTenantUpgradeForm(services: AppServices, tenantId: string, values: Record<string, unknown>, adminEmail: string): Promise<UpgradeFormOutcome> {
  const parsed = tenantUpgradeForm.safeParse(values);
  if (!parsed.success) return { ok: false, key: "upgrades.refused.form" };
  const tenant = await services.prisma.tenant.findUnique({ where: { id: tenantId }, select: { slug: true } });
  if (!tenant) return { ok: false, key: "upgrades.refused.missing" };
  try {
    const run = await services.orchestrator.upgrades.request({ target: { slug: tenant.slug }, image: parsed.data.image, batchSize: 1 }, { requestedBy: adminEmail, actorType: "admin" });
    return { ok: true, key: "upgrades.queued.one", values: { slug: tenant.slug, image: run.image } };
  } catch (error) {
    return refusal(error);
  }
}

/** A run over all active tenants or a plan's, from the Upgrades page. */
export async function applyBulkUpgradeForm(services: AppServices, values: Record<string, unknown>, adminEmail: string): Promise<UpgradeFormOutcome> {
  const parsed = bulkUpgradeForm.safeParse(values);
  if (!parsed.success) return { ok: false, key: "upgrades.refused.form" };
  const { image, scope, plan, batch } = parsed.data;
  try {
    const run = await services.orchestrator.upgrades.request(
      { target: scope === "plan" ? { plan: plan! } : { all: true }, image, batchSize: batch },
      { requestedBy: adminEmail, actorType: "admin" },
    );
    return { ok: true, key: "upgrades.queued.run", values: { count: run.tenants.length, image: run.image, batch } };
  } catch (error) {
    return refusal(error);
  }
}

/** The Upgrades page: the latest runs with each tenant's outcome, and the plans to choose from. */
export async function upgradesPage(services: AppServices): Promise<{ runs: UpgradeRunSummary[]; plans: string[] }> {
  const listed = await services.orchestrator.upgrades.list(10);
  const runs = (await Promise.all(listed.map((run) => services.orchestrator.upgrades.run(run.id)))).filter((run): run is UpgradeRunSummary => run !== null);
  const plans = await services.prisma.subscription.groupBy({ by: ["plan"], orderBy: { plan: "asc" } });
  return { runs, plans: plans.map((p) => p.plan) };
}
